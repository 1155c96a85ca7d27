import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DistrictPolicy, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { validatePolicy } from '../../policy/policy-schema';
import { SetDistrictPolicyCommand } from './set-district-policy.command';

/** Replaces a district's policy document after validating it; the whole document goes into the audit trail. */
@CommandHandler(SetDistrictPolicyCommand)
export class SetDistrictPolicyHandler implements ICommandHandler<SetDistrictPolicyCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: SetDistrictPolicyCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, type, { districtId: p.districtId });
      const doc = validatePolicy(p.document);
      if (doc.districtId !== p.districtId)
        throw new DomainError('VALIDATION_FAILED', `invalid district policy: /districtId: the document is for ${doc.districtId}, not ${p.districtId}`, {
          path: '/districtId',
        });
      const existing = await tx.getDistrictPolicy(p.districtId);
      if (existing) existing.replace(doc, ctx.now, p.reason);
      else tx.add(DistrictPolicy.create(randomUUID(), doc, ctx.now, p.reason));
      return { districtId: p.districtId };
    });
  }
}
