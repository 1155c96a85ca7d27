import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Agreement, authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { RegisterAgreementCommand } from './register-agreement.command';

@CommandHandler(RegisterAgreementCommand)
export class RegisterAgreementHandler implements ICommandHandler<RegisterAgreementCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: RegisterAgreementCommand) {
    return this.uow.run(ctx, async (tx) => {
      const from = await tx.getInstitution(p.fromInstitutionId);
      const to = await tx.getInstitution(p.toInstitutionId);
      // The coordinator of the referring institution's district signs for it.
      authorize(ctx.actor, type, { districtId: from.props.districtId });
      for (const k of p.kinds ?? []) {
        if (!to.mayHold(k)) throw new DomainError('BED_KIND_MISMATCH', `a ${to.props.type} does not hold ${k} beds`, { institutionId: to.id, kind: k });
      }
      const a = Agreement.register(
        {
          id: p.id ?? randomUUID(),
          districtId: from.props.districtId,
          fromInstitutionId: from.id,
          toInstitutionId: to.id,
          kinds: p.kinds ?? [],
          directions: p.directions ?? [],
          services: p.services ?? [],
          validFrom: p.validFrom ?? null,
          validUntil: p.validUntil ?? null,
        },
        ctx.now,
      );
      tx.add(a);
      return { agreementId: a.id };
    });
  }
}
