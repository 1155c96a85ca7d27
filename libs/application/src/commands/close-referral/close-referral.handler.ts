import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { CloseReferralCommand } from './close-referral.command';

@CommandHandler(CloseReferralCommand)
export class CloseReferralHandler implements ICommandHandler<CloseReferralCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: CloseReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.close(ctx.actor, p.reason, ctx.now);
      return referralResult(r);
    });
  }
}
