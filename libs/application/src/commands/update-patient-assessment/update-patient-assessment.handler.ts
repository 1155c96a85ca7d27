import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { UpdatePatientAssessmentCommand } from './update-patient-assessment.command';

/** AssessmentUpdated: the patient's open referrals carry the new grade from now on. */
@CommandHandler(UpdatePatientAssessmentCommand)
export class UpdatePatientAssessmentHandler implements ICommandHandler<UpdatePatientAssessmentCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
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
      return { patientId: patient.id, grade: p.assessment.grade, reassessedReferralId: live?.id ?? null };
    });
  }
}
