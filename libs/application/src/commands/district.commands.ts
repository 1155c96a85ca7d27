import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, OfferStrategy } from '@bedlink/domain';
import { BedlinkCommand, referralAccess, referralResult } from '../command';
import { POLICY, Policy, UNIT_OF_WORK, UnitOfWork } from '../ports';
import { ReasonedRef } from './origin.commands';
import { OfferRef } from './target.commands';
import { resolveTargets } from './targets';
import { timingFor } from './timing';
import { assertTargetsAllowed } from './routes';

// ------------------------------------------------------------------ ExpireOffer (timer)
export class ExpireOfferCommand extends BedlinkCommand<OfferRef> {}

@CommandHandler(ExpireOfferCommand)
export class ExpireOfferHandler implements ICommandHandler<ExpireOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: ExpireOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'ExpireOffer', referralAccess(r, p.offerId));
      r.expireOffer(p.offerId, await timingFor(this.policy, r), ctx.now);
      return referralResult(r, { offerId: p.offerId });
    });
  }
}

// ------------------------------------------------------------------ ExpireReservation (timer)
export interface ReservationRef {
  referralId: string;
  reservationId: string;
}
export class ExpireReservationCommand extends BedlinkCommand<ReservationRef> {}

@CommandHandler(ExpireReservationCommand)
export class ExpireReservationHandler implements ICommandHandler<ExpireReservationCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: ExpireReservationCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'ExpireReservation', referralAccess(r));
      r.expireReservation(p.reservationId, await timingFor(this.policy, r), ctx.now);
      return referralResult(r);
    });
  }
}

// ------------------------------------------------------------------ EscalateReferral
export class EscalateReferralCommand extends BedlinkCommand<ReasonedRef> {}

@CommandHandler(EscalateReferralCommand)
export class EscalateReferralHandler implements ICommandHandler<EscalateReferralCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: EscalateReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'EscalateReferral', referralAccess(r));
      r.escalate(p.reason, ctx.now);
      return referralResult(r);
    });
  }
}

// ------------------------------------------------------------------ RerouteReferral
export interface ReroutePayload extends ReasonedRef {
  targets: { institutionId: string; bedId?: string | null; programmeId?: string | null }[];
  strategy?: OfferStrategy;
}
export class RerouteReferralCommand extends BedlinkCommand<ReroutePayload> {}

@CommandHandler(RerouteReferralCommand)
export class RerouteReferralHandler implements ICommandHandler<RerouteReferralCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: RerouteReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'RerouteReferral', referralAccess(r));
      r.assertCan('RerouteReferral');
      await assertTargetsAllowed(tx, this.policy, r, [...new Set(p.targets.map((x) => x.institutionId))]);
      const candidates = await resolveTargets(tx, r, p.targets);
      r.reroute(ctx.actor, { candidates, strategy: p.strategy, reason: p.reason }, await timingFor(this.policy, r), ctx.now);
      return referralResult(r);
    });
  }
}

// ------------------------------------------------------------------ CloseReferral
export class CloseReferralCommand extends BedlinkCommand<ReasonedRef> {}

@CommandHandler(CloseReferralCommand)
export class CloseReferralHandler implements ICommandHandler<CloseReferralCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: CloseReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'CloseReferral', referralAccess(r));
      r.close(ctx.actor, p.reason, ctx.now);
      return referralResult(r);
    });
  }
}
