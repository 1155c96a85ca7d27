import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, checkCareEligibility, DeclinedBy, DeclineReason, DomainError, isPhysical } from '@bedlink/domain';
import { BedlinkCommand, referralAccess, referralResult } from '../command';
import { POLICY, Policy, UNIT_OF_WORK, UnitOfWork } from '../ports';
import { ReasonedRef, ReferralRef } from './origin.commands';
import { holdUntil, timingFor } from './timing';

export interface OfferRef extends ReferralRef {
  offerId: string;
}

// ------------------------------------------------------------------ ViewOffer
export class ViewOfferCommand extends BedlinkCommand<OfferRef> {}

@CommandHandler(ViewOfferCommand)
export class ViewOfferHandler implements ICommandHandler<ViewOfferCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: ViewOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      r.offer(p.offerId);
      authorize(ctx.actor, 'ViewOffer', referralAccess(r, p.offerId));
      const first = r.viewOffer(p.offerId, ctx.actor, ctx.now);
      return referralResult(r, { offerId: p.offerId, firstView: first });
    });
  }
}

// ------------------------------------------------------------------ AcceptOffer
export interface AcceptOfferPayload extends OfferRef {
  bedId?: string | null;
  programmeId?: string | null;
}
export class AcceptOfferCommand extends BedlinkCommand<AcceptOfferPayload> {}

/**
 * Locks the referral, then the bed (always in that order, so two accepts cannot deadlock),
 * checks the bed is the target's, of the requested kind, U and unheld; the partial unique index
 * on live reservations is the backstop if two transactions still race.
 */
@CommandHandler(AcceptOfferCommand)
export class AcceptOfferHandler implements ICommandHandler<AcceptOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: AcceptOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      const offer = r.offer(p.offerId);
      authorize(ctx.actor, 'AcceptOffer', referralAccess(r, p.offerId));
      const kind = r.props.requestedKind;
      const until = await holdUntil(this.policy, r, ctx.now);
      if (!isPhysical(kind)) {
        throw new DomainError('VALIDATION_FAILED', `${kind} places are home-programme slots; accept with a programmeId once the registry has programmes`);
      }
      const bedId = p.bedId ?? offer.targetBedId;
      if (!bedId) throw new DomainError('VALIDATION_FAILED', 'name the bed (bedId) the patient will have');
      // Refuse by state before touching the bed: a late accept gets INVALID_TRANSITION, not a bed error.
      r.assertCan('AcceptOffer');
      const bed = await tx.getBed(bedId);
      if (bed.props.institutionId !== offer.targetInstitutionId) throw new DomainError('BED_NOT_AT_TARGET', 'the bed belongs to another institution than the one the offer was made to');
      if (bed.props.kind !== kind) throw new DomainError('BED_KIND_MISMATCH', `bed is ${bed.props.kind}, the referral asks for ${kind}`);
      bed.assertReservable(r.props.patientId);
      if (bed.props.basicGuarantee) {
        const patient = await tx.getPatient(r.props.patientId);
        const verdict = checkCareEligibility(await this.policy.forDistrict(r.props.districtId), kind, patient.props.assessment, ctx.now, { basicGuaranteeBed: true, hardship: patient.props.hardship });
        if (!verdict.ok) throw new DomainError(verdict.code, verdict.message);
      }
      const res = r.acceptOffer(p.offerId, { bedId, programmeId: null, holdUntil: until }, ctx.actor, ctx.now);
      return referralResult(r, { offerId: p.offerId, reservationId: res.id, bedId, holdUntil: until.toISOString() });
    });
  }
}

// ------------------------------------------------------------------ DeclineOffer
export interface DeclineOfferPayload extends OfferRef {
  reason: DeclineReason;
  declinedBy?: DeclinedBy;
  text?: string | null;
}
export class DeclineOfferCommand extends BedlinkCommand<DeclineOfferPayload> {}

@CommandHandler(DeclineOfferCommand)
export class DeclineOfferHandler implements ICommandHandler<DeclineOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: DeclineOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      r.offer(p.offerId);
      authorize(ctx.actor, 'DeclineOffer', referralAccess(r, p.offerId));
      r.declineOffer(p.offerId, { reason: p.reason, declinedBy: p.declinedBy ?? 'PROVIDER', text: p.text ?? null }, ctx.actor, await timingFor(this.policy, r), ctx.now);
      return referralResult(r, { offerId: p.offerId });
    });
  }
}

// ------------------------------------------------------------------ RevokeAcceptance
export class RevokeAcceptanceCommand extends BedlinkCommand<ReasonedRef> {}

@CommandHandler(RevokeAcceptanceCommand)
export class RevokeAcceptanceHandler implements ICommandHandler<RevokeAcceptanceCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: RevokeAcceptanceCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'RevokeAcceptance', referralAccess(r));
      r.revokeAcceptance(ctx.actor, p.reason, await timingFor(this.policy, r), ctx.now);
      return referralResult(r);
    });
  }
}

// ------------------------------------------------------------------ ConfirmAdmission
export class ConfirmAdmissionCommand extends BedlinkCommand<ReferralRef> {}

/** The patient arrived: hold consumed, target bed U → O, any bed the patient still occupied → H. */
@CommandHandler(ConfirmAdmissionCommand)
export class ConfirmAdmissionHandler implements ICommandHandler<ConfirmAdmissionCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: ConfirmAdmissionCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'ConfirmAdmission', referralAccess(r));
      const held = r.confirmAdmission(ctx.actor, ctx.now);
      if (held.bedId) {
        const previous = await tx.findOccupiedBed(r.props.patientId);
        const ids = [held.bedId, ...(previous && previous !== held.bedId ? [previous] : [])].sort();
        const beds = new Map<string, Awaited<ReturnType<typeof tx.getBed>>>();
        for (const id of ids) beds.set(id, await tx.getBed(id)); // id order: no deadlock between two admissions
        if (previous && previous !== held.bedId) beds.get(previous)!.discharge(r.id, ctx.now);
        beds.get(held.bedId)!.admit(r.props.patientId, r.id, ctx.now);
      }
      return referralResult(r, { bedId: held.bedId, programmeId: held.programmeId });
    });
  }
}
