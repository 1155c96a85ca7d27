import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ViewOfferCommand } from './view-offer.command';

@CommandHandler(ViewOfferCommand)
export class ViewOfferHandler implements ICommandHandler<ViewOfferCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: ViewOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      r.offer(p.offerId);
      authorize(ctx.actor, type, referralAccess(r, p.offerId));
      const first = r.viewOffer(p.offerId, ctx.actor, ctx.now);
      return referralResult(r, { offerId: p.offerId, firstView: first });
    });
  }
}
