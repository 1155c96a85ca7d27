import { randomUUID } from 'node:crypto';
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
      // Refuse by state before touching the bed or programme: a late accept gets INVALID_TRANSITION, not a capacity error.
      r.assertCan('AcceptOffer');
      if (!isPhysical(kind)) {
        const programmeId = p.programmeId ?? offer.targetProgrammeId;
        if (!programmeId) throw new DomainError('VALIDATION_FAILED', `${kind} places are home-programme slots: name the programme (programmeId)`);
        // Locks the programme row and counts its holds and enrolments under the lock (see Tx.getProgramme).
        const prog = await tx.getProgramme(programmeId);
        if (prog.props.institutionId !== offer.targetInstitutionId) throw new DomainError('BED_NOT_AT_TARGET', 'the programme belongs to another institution than the one the offer was made to');
        if (prog.props.kind !== kind) throw new DomainError('BED_KIND_MISMATCH', `programme is ${prog.props.kind}, the referral asks for ${kind}`);
        prog.assertHasRoom();
        const res = r.acceptOffer(p.offerId, { bedId: null, programmeId, holdUntil: until }, ctx.actor, ctx.now);
        prog.noteReserved();
        return referralResult(r, { offerId: p.offerId, reservationId: res.id, programmeId, holdUntil: until.toISOString() });
      }
      const bedId = p.bedId ?? offer.targetBedId;
      if (!bedId) throw new DomainError('VALIDATION_FAILED', 'name the bed (bedId) the patient will have');
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

/**
 * The patient arrived: hold consumed; a bed goes U → O, a programme slot becomes an enrolment;
 * any bed the patient still occupied → H and any programme they were on is left.
 */
@CommandHandler(ConfirmAdmissionCommand)
export class ConfirmAdmissionHandler implements ICommandHandler<ConfirmAdmissionCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: ConfirmAdmissionCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'ConfirmAdmission', referralAccess(r));
      const held = r.confirmAdmission(ctx.actor, ctx.now);
      const previous = await tx.findOccupiedBed(r.props.patientId);
      const ids = [...(held.bedId ? [held.bedId] : []), ...(previous && previous !== held.bedId ? [previous] : [])].sort();
      const beds = new Map<string, Awaited<ReturnType<typeof tx.getBed>>>();
      for (const id of ids) beds.set(id, await tx.getBed(id)); // id order: no deadlock between two admissions
      if (previous && previous !== held.bedId) beds.get(previous)!.discharge(r.id, ctx.now);
      if (held.bedId) beds.get(held.bedId)!.admit(r.props.patientId, r.id, ctx.now);
      const onProgramme = await tx.findActiveEnrolment(r.props.patientId);
      // Programmes after beds, and in id order among themselves, like beds: no deadlock between two admissions.
      for (const id of [...new Set([onProgramme, held.programmeId].filter((x): x is string => !!x))].sort()) await tx.getProgramme(id);
      if (onProgramme && onProgramme !== held.programmeId) (await tx.getProgramme(onProgramme)).endEnrolment(r.props.patientId, r.id, ctx.now);
      if (held.programmeId) (await tx.getProgramme(held.programmeId)).enrol({ enrolmentId: randomUUID(), patientId: r.props.patientId, referralId: r.id }, ctx.now);
      // The receiver now cares for the patient: a care relationship that outlives the referral.
      if (!(await tx.careRelationshipsOf(r.props.patientId, held.institutionId)).kinds.includes('RECEIVED')) {
        (await tx.getPatient(r.props.patientId)).addCareRelationship({ institutionId: held.institutionId, kind: 'RECEIVED', sharedRecord: true, supplied: null }, ctx.now);
      }
      return referralResult(r, { bedId: held.bedId, programmeId: held.programmeId });
    });
  }
}
