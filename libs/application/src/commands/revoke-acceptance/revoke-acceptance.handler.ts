import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { timingFor } from '../shared/timing';
import { RevokeAcceptanceCommand } from './revoke-acceptance.command';

@CommandHandler(RevokeAcceptanceCommand)
export class RevokeAcceptanceHandler implements ICommandHandler<RevokeAcceptanceCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: RevokeAcceptanceCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.revokeAcceptance(ctx.actor, p.reason, await timingFor(this.policy, r), ctx.now);
      return referralResult(r);
    });
  }
}
