import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { CancelReferralCommand } from './cancel-referral.command';

@CommandHandler(CancelReferralCommand)
export class CancelReferralHandler implements ICommandHandler<CancelReferralCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: CancelReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.cancel(ctx.actor, p.reason, ctx.now);
      return referralResult(r);
    });
  }
}
