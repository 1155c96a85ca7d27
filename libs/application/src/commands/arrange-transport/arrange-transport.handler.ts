import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DEFAULT_PICKUP_WINDOW, parseDuration } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ArrangeTransportCommand } from './arrange-transport.command';

/** The origin books the journey; the pickup window comes from the district policy (transport.pickupWindow). */
@CommandHandler(ArrangeTransportCommand)
export class ArrangeTransportHandler implements ICommandHandler<ArrangeTransportCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: ArrangeTransportCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      const doc = await this.policy.forDistrict(r.props.districtId);
      const pickupAt = new Date(p.pickupAt);
      const t = r.arrangeTransport(
        {
          mode: p.mode,
          pickupAt,
          expectedArrivalAt: p.expectedArrivalAt ? new Date(p.expectedArrivalAt) : pickupAt,
          pickupWindowMs: parseDuration(doc.transport?.pickupWindow ?? DEFAULT_PICKUP_WINDOW),
          escort: p.escort ?? [],
          note: p.note ?? null,
        },
        ctx.actor,
        ctx.now,
      );
      return referralResult(r, {
        transport: {
          mode: t.mode,
          status: t.status,
          expectedArrivalAt: t.expectedArrivalAt.toISOString(),
          pickupWindowEndsAt: t.pickupWindowEndsAt.toISOString(),
        },
      });
    });
  }
}
