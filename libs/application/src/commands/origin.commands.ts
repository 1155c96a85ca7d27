import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, BedKind, checkCareEligibility, DEFAULT_ORIGIN_KIND, directionOf, DispatchMode, DomainError, isPhysical, OfferStrategy, Referral, ServiceCode, Urgency } from '@bedlink/domain';
import { BedlinkCommand, referralAccess, referralResult } from '../command';
import { MATCHER, Matcher, POLICY, Policy, UNIT_OF_WORK, UnitOfWork } from '../ports';
import { assertTargetsAllowed } from './routes';
import { resolveTargets, TargetRef } from './targets';
import { timingFor } from './timing';

// ------------------------------------------------------------------ DraftReferral
export interface DraftReferralPayload {
  referralId?: string;
  patientId: string;
  originBedId?: string | null;
  originKind?: BedKind;
  requestedKind: BedKind;
  services: ServiceCode[];
  urgency: Urgency;
  strategy?: OfferStrategy;
  fanout?: number;
  clinicalSummary: string;
  careLevel?: number | null;
  consent: boolean;
  expectedArrival?: string | null;
  dispatch?: DispatchMode;
}
export class DraftReferralCommand extends BedlinkCommand<DraftReferralPayload> {}

@CommandHandler(DraftReferralCommand)
export class DraftReferralHandler implements ICommandHandler<DraftReferralCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: DraftReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const originId = ctx.actor.institutionId;
      if (!originId) throw new DomainError('FORBIDDEN', 'a referral is drafted by an institution');
      const origin = await tx.getInstitution(originId);
      authorize(ctx.actor, 'DraftReferral', { districtId: origin.props.districtId, originInstitutionId: origin.id });
      const patient = await tx.getPatient(p.patientId);
      const referralId = p.referralId ?? randomUUID();
      // Drafting makes the origin "involved" and so entitled to read the patient's record: only an
      // institution that already has the patient (registered them, or was offered them) may do it.
      if (!(await tx.patientInvolvement(p.patientId)).institutions.includes(origin.id)) {
        throw new DomainError('FORBIDDEN', 'this patient is not in the care of your institution', { role: ctx.actor.role, action: 'DraftReferral' });
      }
      let originKind = p.originKind ?? DEFAULT_ORIGIN_KIND[origin.props.type];
      if (p.originBedId) {
        const bed = await tx.getBed(p.originBedId);
        if (bed.props.institutionId !== origin.id) throw new DomainError('BED_NOT_AT_TARGET', 'the origin bed belongs to another institution');
        if (bed.props.occupantPatientId && bed.props.occupantPatientId !== p.patientId) throw new DomainError('VALIDATION_FAILED', 'the origin bed is occupied by another patient');
        originKind = bed.props.kind;
      } else if (!origin.mayHold(originKind)) {
        throw new DomainError('BED_KIND_MISMATCH', `a ${origin.props.type} does not hold ${originKind} beds`);
      }
      const liveId = await tx.findPatientLiveReferral(p.patientId);
      if (liveId) {
        // One live referral per patient, except that a deterioration (EMERGENCY, upward) replaces a planned downward move.
        const live = await tx.getReferral(liveId);
        const emergencyUp = p.urgency === 'EMERGENCY' && directionOf(originKind, p.requestedKind) === 'UPWARD';
        if (!(emergencyUp && live.props.direction === 'DOWNWARD')) {
          // Name the referral only to those involved in it: another institution in the patient's care learns no id it may not read.
          if (!live.involvedInstitutions().includes(origin.id)) throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', 'the patient already has a live referral from another institution');
          throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', `patient already has live referral ${liveId}; cancel or complete it first`, { referralId: liveId });
        }
        live.supersede(referralId, ctx.now);
      }
      const doc = await this.policy.forDistrict(origin.props.districtId);
      const referral = Referral.draft(
        {
          id: referralId,
          patientId: p.patientId,
          districtId: origin.props.districtId,
          originInstitutionId: origin.id,
          originBedId: p.originBedId ?? null,
          originKind,
          requestedKind: p.requestedKind,
          services: p.services,
          urgency: p.urgency,
          strategy: p.strategy ?? doc.defaultStrategy,
          fanout: p.fanout ?? doc.broadcastFanout,
          clinicalSummary: p.clinicalSummary,
          careLevel: p.careLevel ?? patient.props.assessment?.grade ?? null,
          consent: p.consent,
          expectedArrival: p.expectedArrival ? new Date(p.expectedArrival) : null,
          dispatch: p.dispatch ?? 'MANUAL',
        },
        ctx.actor,
        ctx.now,
      );
      tx.add(referral);
      return { referralId: referral.id, state: referral.state, direction: referral.props.direction, version: 1 };
    });
  }
}

// ------------------------------------------------------------------ SubmitReferral
export interface ReferralRef {
  referralId: string;
}
export interface SubmitReferralPayload extends ReferralRef {
  /** Ranked targets: the engine offers to them by the referral's strategy (broadcast N / cascade one by one). */
  targets?: TargetRef[];
}
export class SubmitReferralCommand extends BedlinkCommand<SubmitReferralPayload> {}

/** AUTO referrals ask matching for ranked candidates and go out at once (broadcast or cascade); MANUAL ones wait for offers by hand. */
@CommandHandler(SubmitReferralCommand)
export class SubmitReferralHandler implements ICommandHandler<SubmitReferralCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
    @Inject(MATCHER) private readonly matcher: Matcher,
  ) {}
  execute({ payload: p, ctx }: SubmitReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'SubmitReferral', referralAccess(r));
      r.assertCan('SubmitReferral');
      const doc = await this.policy.forDistrict(r.props.districtId);
      const patient = await tx.getPatient(r.props.patientId);
      const verdict = checkCareEligibility(doc, r.props.requestedKind, patient.props.assessment, ctx.now, { hardship: patient.props.hardship });
      if (!verdict.ok && doc.eligibility.onFailure === 'REFUSE') throw new DomainError(verdict.code, verdict.message);
      let targets = p.targets ?? [];
      // A resident coming back down finds the care-home bed kept for them first.
      const heldBedId = await tx.findReturnHoldBed(r.props.patientId);
      if (heldBedId && r.props.direction !== 'UPWARD') {
        const held = await tx.getBed(heldBedId);
        if (held.props.kind === r.props.requestedKind) targets = [{ institutionId: held.props.institutionId, bedId: held.id }, ...targets.filter((t) => t.institutionId !== held.props.institutionId)];
      }
      if (targets.length) await assertTargetsAllowed(tx, this.policy, r, [...new Set(targets.map((x) => x.institutionId))]);
      let plan = targets.length ? { candidates: await resolveTargets(tx, r, targets), timing: await timingFor(this.policy, r) } : undefined;
      // AUTO: matching ranks the free beds and programmes (already held to the agreements) and the offers go out at once; none escalates.
      if (!plan && r.props.dispatch === 'AUTO') {
        const ranked = await this.matcher.candidates(r, 10);
        plan = { candidates: ranked.map(({ institutionId, bedId, programmeId, score }) => ({ institutionId, bedId, programmeId, score })), timing: await timingFor(this.policy, r) };
      }
      if (!verdict.ok) {
        // FLAG: the district coordinator decides instead of the engine refusing.
        r.submit(ctx.actor, ctx.now);
        r.escalate(`${verdict.code}: ${verdict.message}`, ctx.now);
        return referralResult(r, { flagged: verdict.code, offers: [] });
      }
      r.submit(ctx.actor, ctx.now, plan);
      return referralResult(r, {
        ...(plan ? { candidates: plan.candidates.length } : {}),
        offers: r.liveOffers.map((o) => ({ offerId: o.id, targetInstitutionId: o.targetInstitutionId, targetBedId: o.targetBedId, targetProgrammeId: o.targetProgrammeId, deadlineAt: o.deadlineAt?.toISOString() ?? null })),
      });
    });
  }
}

// ------------------------------------------------------------------ ExtendOffer
export interface ExtendOfferPayload {
  referralId: string;
  offerId?: string;
  targetInstitutionId: string;
  targetBedId?: string | null;
  targetProgrammeId?: string | null;
}
export class ExtendOfferCommand extends BedlinkCommand<ExtendOfferPayload> {}

@CommandHandler(ExtendOfferCommand)
export class ExtendOfferHandler implements ICommandHandler<ExtendOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: ExtendOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'ExtendOffer', referralAccess(r));
      const target = await tx.getInstitution(p.targetInstitutionId);
      target.assertMayHold(r.props.requestedKind);
      r.assertCan('ExtendOffer');
      await assertTargetsAllowed(tx, this.policy, r, [target.id]);
      if (p.targetProgrammeId) {
        const prog = await tx.getProgramme(p.targetProgrammeId);
        if (prog.props.institutionId !== target.id) throw new DomainError('BED_NOT_AT_TARGET', 'the suggested programme belongs to another institution');
        if (prog.props.kind !== r.props.requestedKind) throw new DomainError('BED_KIND_MISMATCH', `the suggested programme is ${prog.props.kind}, the referral asks for ${r.props.requestedKind}`);
      }
      if (p.targetBedId) {
        const bed = await tx.getBed(p.targetBedId);
        if (bed.props.institutionId !== target.id) throw new DomainError('BED_NOT_AT_TARGET', 'the suggested bed belongs to another institution');
        if (bed.props.kind !== r.props.requestedKind) throw new DomainError('BED_KIND_MISMATCH', `the suggested bed is ${bed.props.kind}, the referral asks for ${r.props.requestedKind}`);
      }
      const offer = r.extendOffer({ offerId: p.offerId, targetInstitutionId: target.id, targetBedId: p.targetBedId ?? null, targetProgrammeId: p.targetProgrammeId ?? null }, await timingFor(this.policy, r), ctx.now);
      return referralResult(r, { offerId: offer.id, deadlineAt: offer.deadlineAt?.toISOString() ?? null });
    });
  }
}

// ------------------------------------------------------------------ CancelReferral
export interface ReasonedRef extends ReferralRef {
  reason: string;
}
export class CancelReferralCommand extends BedlinkCommand<ReasonedRef> {}

@CommandHandler(CancelReferralCommand)
export class CancelReferralHandler implements ICommandHandler<CancelReferralCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: CancelReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'CancelReferral', referralAccess(r));
      r.cancel(ctx.actor, p.reason, ctx.now);
      return referralResult(r);
    });
  }
}

// ------------------------------------------------------------------ StartTransfer
export class StartTransferCommand extends BedlinkCommand<ReferralRef> {}

/** Discharge from the origin: the referral goes IN_TRANSFER and the origin bed to housekeeping (H). */
@CommandHandler(StartTransferCommand)
export class StartTransferHandler implements ICommandHandler<StartTransferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx }: StartTransferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'StartTransfer', referralAccess(r));
      r.startTransfer(ctx.actor, ctx.now);
      const originBedId = r.props.originBedId ?? (await tx.findOccupiedBed(r.props.patientId));
      if (originBedId && isPhysical(r.props.originKind)) {
        const bed = await tx.getBed(originBedId);
        if (bed.props.occupantPatientId === r.props.patientId) {
          bed.discharge(r.id, ctx.now);
          // A care-home resident going up to hospital keeps their bed for the district's return-hold days.
          const days = (await this.policy.forDistrict(r.props.districtId)).returnHoldDays;
          if (r.props.direction === 'UPWARD' && bed.props.kind === 'CARE_HOME' && days > 0) {
            bed.placeReturnHold(r.props.patientId, new Date(ctx.now.getTime() + days * 86_400_000), r.id, ctx.now);
          }
        }
      }
      // Leaving a home programme frees its slot for the next patient.
      const programmeId = await tx.findActiveEnrolment(r.props.patientId);
      if (programmeId) (await tx.getProgramme(programmeId)).endEnrolment(r.props.patientId, r.id, ctx.now);
      return referralResult(r);
    });
  }
}

// ------------------------------------------------------------------ AbortTransfer
export class AbortTransferCommand extends BedlinkCommand<ReasonedRef> {}

@CommandHandler(AbortTransferCommand)
export class AbortTransferHandler implements ICommandHandler<AbortTransferCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: AbortTransferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'AbortTransfer', referralAccess(r));
      r.abortTransfer(ctx.actor, p.reason, ctx.now);
      return referralResult(r);
    });
  }
}
