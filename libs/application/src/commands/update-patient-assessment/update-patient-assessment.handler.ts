import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, checkCareEligibility } from '@bedlink/domain';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { UpdatePatientAssessmentCommand } from './update-patient-assessment.command';

/**
 * AssessmentUpdated: the patient's open referral carries the new grade from now on, and is checked
 * again against the district's eligibility rules. A referral still looking for a place
 * (SUBMITTED, OFFERED) that the new assessment no longer qualifies goes to the district coordinator
 * (escalated with the refusal code): the origin's planner may cancel it, the district may close or
 * reroute it, and no receiver accepts a placement the rules forbid.
 */
@CommandHandler(UpdatePatientAssessmentCommand)
export class UpdatePatientAssessmentHandler implements ICommandHandler<UpdatePatientAssessmentCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: UpdatePatientAssessmentCommand) {
    return this.uow.run(ctx, async (tx) => {
      const patient = await tx.getPatient(p.patientId);
      const liveId = await tx.findPatientLiveReferral(p.patientId);
      const live = liveId ? await tx.getReferral(liveId) : null;
      const who = await tx.patientInvolvement(p.patientId);
      // The shared record is maintained by those who hold it (first registrant, receivers, live targets):
      // not by a target whose offer ended, nor by an institution that only registered a known resident ID.
      authorize(ctx.actor, type, { districtId: who.districtId, involved: who.sharedRecord });
      patient.updateAssessment({ ...p.assessment, cognitiveImpairment: p.assessment.cognitiveImpairment ?? false }, p.hardship, ctx.actor.userId, ctx.now);
      live?.reassess(p.assessment.grade, ctx.now);
      let ineligible: string | null = null;
      if (live && (live.state === 'SUBMITTED' || live.state === 'OFFERED')) {
        const verdict = checkCareEligibility(
          await this.policy.forDistrict(live.props.districtId),
          live.props.requestedKind,
          patient.props.assessment,
          ctx.now,
          {
            hardship: patient.props.hardship,
            birthDate: patient.props.birthDate,
          },
        );
        if (!verdict.ok) {
          live.escalate(`${verdict.code}: ${verdict.message}`, ctx.now);
          ineligible = verdict.code;
        }
      }
      return { patientId: patient.id, grade: p.assessment.grade, reassessedReferralId: live?.id ?? null, ...(ineligible ? { escalated: ineligible } : {}) };
    });
  }
}
