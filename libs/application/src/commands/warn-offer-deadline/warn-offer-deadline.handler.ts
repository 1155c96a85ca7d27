import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { WarnOfferDeadlineCommand } from './warn-offer-deadline.command';

@CommandHandler(WarnOfferDeadlineCommand)
export class WarnOfferDeadlineHandler implements ICommandHandler<WarnOfferDeadlineCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: WarnOfferDeadlineCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r, p.offerId));
      r.warnOffer(p.offerId, p.fraction, ctx.now, p.dueAt);
      return referralResult(r, { offerId: p.offerId });
    });
  }
}
