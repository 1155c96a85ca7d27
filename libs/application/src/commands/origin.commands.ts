import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, BedKind, DEFAULT_ORIGIN_KIND, DomainError, isPhysical, OfferStrategy, Referral, ServiceCode, Urgency } from '@bedlink/domain';
import { BedlinkCommand, referralAccess, referralResult } from '../command';
import { POLICY, Policy, UNIT_OF_WORK, UnitOfWork } from '../ports';
import { offerTiming } from './timing';

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
      await tx.getPatient(p.patientId);
      // Drafting makes the origin "involved" and so entitled to read the patient's record: only an
      // institution that already has the patient (registered them, or was offered them) may do it.
      if (!(await tx.patientInvolvement(p.patientId)).institutions.includes(origin.id)) {
        throw new DomainError('FORBIDDEN', 'this patient is not in the care of your institution', { role: ctx.actor.role, action: 'DraftReferral' });
      }
      const live = await tx.findPatientLiveReferral(p.patientId);
      if (live) throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', `patient already has live referral ${live}; cancel or complete it first`, { referralId: live });
      let originKind = p.originKind ?? DEFAULT_ORIGIN_KIND[origin.props.type];
      if (p.originBedId) {
        const bed = await tx.getBed(p.originBedId);
        if (bed.props.institutionId !== origin.id) throw new DomainError('BED_NOT_AT_TARGET', 'the origin bed belongs to another institution');
        if (bed.props.occupantPatientId && bed.props.occupantPatientId !== p.patientId) throw new DomainError('VALIDATION_FAILED', 'the origin bed is occupied by another patient');
        originKind = bed.props.kind;
      } else if (!origin.mayHold(originKind)) {
        throw new DomainError('BED_KIND_MISMATCH', `a ${origin.props.type} does not hold ${originKind} beds`);
      }
      const referral = Referral.draft(
        {
          id: p.referralId ?? randomUUID(),
          patientId: p.patientId,
          districtId: origin.props.districtId,
          originInstitutionId: origin.id,
          originBedId: p.originBedId ?? null,
          originKind,
          requestedKind: p.requestedKind,
          services: p.services,
          urgency: p.urgency,
          strategy: p.strategy ?? 'BROADCAST',
          fanout: p.fanout ?? this.policy.broadcastFanout,
          clinicalSummary: p.clinicalSummary,
          careLevel: p.careLevel ?? null,
          consent: p.consent,
          expectedArrival: p.expectedArrival ? new Date(p.expectedArrival) : null,
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
export class SubmitReferralCommand extends BedlinkCommand<ReferralRef> {}

@CommandHandler(SubmitReferralCommand)
export class SubmitReferralHandler implements ICommandHandler<SubmitReferralCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: SubmitReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'SubmitReferral', referralAccess(r));
      r.submit(ctx.actor, ctx.now);
      return referralResult(r);
    });
  }
}

// ------------------------------------------------------------------ ExtendOffer
export interface ExtendOfferPayload {
  referralId: string;
  offerId?: string;
  targetInstitutionId: string;
  targetBedId?: string | null;
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
      if (p.targetBedId) {
        const bed = await tx.getBed(p.targetBedId);
        if (bed.props.institutionId !== target.id) throw new DomainError('BED_NOT_AT_TARGET', 'the suggested bed belongs to another institution');
        if (bed.props.kind !== r.props.requestedKind) throw new DomainError('BED_KIND_MISMATCH', `the suggested bed is ${bed.props.kind}, the referral asks for ${r.props.requestedKind}`);
      }
      const offer = r.extendOffer({ offerId: p.offerId, targetInstitutionId: target.id, targetBedId: p.targetBedId ?? null }, offerTiming(this.policy, r.props.urgency), ctx.now);
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
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: StartTransferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'StartTransfer', referralAccess(r));
      r.startTransfer(ctx.actor, ctx.now);
      const originBedId = r.props.originBedId ?? (await tx.findOccupiedBed(r.props.patientId));
      if (originBedId && isPhysical(r.props.originKind)) {
        const bed = await tx.getBed(originBedId);
        if (bed.props.occupantPatientId === r.props.patientId) bed.discharge(r.id, ctx.now);
      }
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
