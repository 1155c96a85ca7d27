import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { assertTargetsAllowed } from '../shared/routes';
import { timingFor } from '../shared/timing';
import { ExtendOfferCommand } from './extend-offer.command';

@CommandHandler(ExtendOfferCommand)
export class ExtendOfferHandler implements ICommandHandler<ExtendOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: ExtendOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      const target = await tx.getInstitution(p.targetInstitutionId);
      target.assertMayHold(r.props.requestedKind);
      r.assertCan('ExtendOffer');
      await assertTargetsAllowed(tx, this.policy, r, [target.id], ctx.now);
      if (p.targetProgrammeId) {
        const prog = await tx.getProgramme(p.targetProgrammeId);
        if (prog.props.institutionId !== target.id) throw new DomainError('BED_NOT_AT_TARGET', 'the suggested programme belongs to another institution');
        if (prog.props.kind !== r.props.requestedKind)
          throw new DomainError('BED_KIND_MISMATCH', `the suggested programme is ${prog.props.kind}, the referral asks for ${r.props.requestedKind}`);
      }
      if (p.targetBedId) {
        const bed = await tx.getBed(p.targetBedId);
        if (bed.props.institutionId !== target.id) throw new DomainError('BED_NOT_AT_TARGET', 'the suggested bed belongs to another institution');
        if (bed.props.kind !== r.props.requestedKind)
          throw new DomainError('BED_KIND_MISMATCH', `the suggested bed is ${bed.props.kind}, the referral asks for ${r.props.requestedKind}`);
      }
      const offer = r.extendOffer(
        { offerId: p.offerId, targetInstitutionId: target.id, targetBedId: p.targetBedId ?? null, targetProgrammeId: p.targetProgrammeId ?? null },
        await timingFor(this.policy, r),
        ctx.now,
      );
      return referralResult(r, { offerId: offer.id, deadlineAt: offer.deadlineAt?.toISOString() ?? null });
    });
  }
}
