import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { timingFor } from '../shared/timing';
import { RecordFamilyRefusalCommand } from './record-family-refusal.command';

/**
 * The planner hears from the family that they refuse an offered place: the offer is declined by
 * the patient (PATIENT_OR_FAMILY_DECLINED, declinedBy PATIENT), never counted as the provider's decline.
 */
@CommandHandler(RecordFamilyRefusalCommand)
export class RecordFamilyRefusalHandler implements ICommandHandler<RecordFamilyRefusalCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: RecordFamilyRefusalCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      r.offer(p.offerId);
      authorize(ctx.actor, type, referralAccess(r, p.offerId));
      r.declineOffer(
        p.offerId,
        { reason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PATIENT', text: p.text ?? null },
        ctx.actor,
        await timingFor(this.policy, r),
        ctx.now,
      );
      return referralResult(r, { offerId: p.offerId, declinedBy: 'PATIENT' });
    });
  }
}
