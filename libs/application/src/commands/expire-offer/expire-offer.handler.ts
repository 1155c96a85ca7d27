import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { timingFor } from '../shared/timing';
import { ExpireOfferCommand } from './expire-offer.command';

@CommandHandler(ExpireOfferCommand)
export class ExpireOfferHandler implements ICommandHandler<ExpireOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: ExpireOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r, p.offerId));
      r.expireOffer(p.offerId, await timingFor(this.policy, r), ctx.now, p.dueAt, await tx.databaseNow());
      return referralResult(r, { offerId: p.offerId });
    });
  }
}
