import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { timingFor } from '../shared/timing';
import { DeclineOfferCommand } from './decline-offer.command';

@CommandHandler(DeclineOfferCommand)
export class DeclineOfferHandler implements ICommandHandler<DeclineOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: DeclineOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      r.offer(p.offerId);
      authorize(ctx.actor, type, referralAccess(r, p.offerId));
      r.declineOffer(
        p.offerId,
        { reason: p.reason, declinedBy: p.declinedBy ?? 'PROVIDER', text: p.text ?? null },
        ctx.actor,
        await timingFor(this.policy, r),
        ctx.now,
      );
      return referralResult(r, { offerId: p.offerId });
    });
  }
}
