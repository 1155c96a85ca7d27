import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, CareAssessment, DistrictPolicy, DomainError } from '@bedlink/domain';
import { BedlinkCommand, referralAccess, referralResult } from '../command';
import { UNIT_OF_WORK, UnitOfWork } from '../ports';
import { validatePolicy } from '../policy/policy-schema';

// ------------------------------------------------------------------ SetDistrictPolicy
export interface SetDistrictPolicyPayload {
  districtId: string;
  document: unknown;
  reason?: string;
}
export class SetDistrictPolicyCommand extends BedlinkCommand<SetDistrictPolicyPayload> {}

/** Replaces a district's policy document after validating it; the whole document goes into the audit trail. */
@CommandHandler(SetDistrictPolicyCommand)
export class SetDistrictPolicyHandler implements ICommandHandler<SetDistrictPolicyCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: SetDistrictPolicyCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, 'SetDistrictPolicy', { districtId: p.districtId });
      const doc = validatePolicy(p.document);
      if (doc.districtId !== p.districtId) throw new DomainError('VALIDATION_FAILED', `invalid district policy: /districtId: the document is for ${doc.districtId}, not ${p.districtId}`, { path: '/districtId' });
      const existing = await tx.getDistrictPolicy(p.districtId);
      if (existing) existing.replace(doc, ctx.now, p.reason);
      else tx.add(DistrictPolicy.create(randomUUID(), doc, ctx.now, p.reason));
      return { districtId: p.districtId };
    });
  }
}

// ------------------------------------------------------------------ UpdatePatientAssessment
export interface UpdateAssessmentPayload {
  patientId: string;
  assessment: CareAssessment;
  hardship?: boolean;
}
export class UpdatePatientAssessmentCommand extends BedlinkCommand<UpdateAssessmentPayload> {}

/** AssessmentUpdated: the patient's open referrals carry the new grade from now on. */
@CommandHandler(UpdatePatientAssessmentCommand)
export class UpdatePatientAssessmentHandler implements ICommandHandler<UpdatePatientAssessmentCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: UpdatePatientAssessmentCommand) {
    return this.uow.run(ctx, async (tx) => {
      const patient = await tx.getPatient(p.patientId);
      const liveId = await tx.findPatientLiveReferral(p.patientId);
      const live = liveId ? await tx.getReferral(liveId) : null;
      const who = await tx.patientInvolvement(p.patientId);
      // The shared record is maintained by those who hold it (first registrant, receivers, live targets):
      // not by a target whose offer ended, nor by an institution that only registered a known resident ID.
      authorize(ctx.actor, 'UpdatePatientAssessment', { districtId: who.districtId, involved: who.sharedRecord });
      patient.updateAssessment({ ...p.assessment, cognitiveImpairment: p.assessment.cognitiveImpairment ?? false }, p.hardship, ctx.actor.userId, ctx.now);
      live?.reassess(p.assessment.grade, ctx.now);
      return { patientId: patient.id, grade: p.assessment.grade, reassessedReferralId: live?.id ?? null };
    });
  }
}

// ------------------------------------------------------------------ LapseReturnHold (timer)
export class LapseReturnHoldCommand extends BedlinkCommand<{ bedId: string }> {}

@CommandHandler(LapseReturnHoldCommand)
export class LapseReturnHoldHandler implements ICommandHandler<LapseReturnHoldCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: LapseReturnHoldCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, 'LapseReturnHold', {});
      const bed = await tx.getBed(p.bedId);
      if (!bed.endReturnHold(ctx.now, 'lapsed', 'the return-hold days ran out')) throw new DomainError('INVALID_TRANSITION', `bed ${p.bedId} has no lapsed return hold`);
      return { bedId: bed.id };
    });
  }
}

// ------------------------------------------------------------------ WarnOfferDeadline (timer)
export class WarnOfferDeadlineCommand extends BedlinkCommand<{ referralId: string; offerId: string; fraction: number }> {}

@CommandHandler(WarnOfferDeadlineCommand)
export class WarnOfferDeadlineHandler implements ICommandHandler<WarnOfferDeadlineCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: WarnOfferDeadlineCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, 'WarnOfferDeadline', referralAccess(r, p.offerId));
      r.warnOffer(p.offerId, p.fraction, ctx.now);
      return referralResult(r, { offerId: p.offerId });
    });
  }
}
