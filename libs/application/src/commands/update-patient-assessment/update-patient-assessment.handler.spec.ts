import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { UpdatePatientAssessmentCommand } from './update-patient-assessment.command';
import { UpdatePatientAssessmentHandler } from './update-patient-assessment.handler';

const payload = {
  patientId: 'pat-1',
  assessment: { grade: 3, type: 'MEDICAL', assessedOn: '2026-11-01', expiresOn: '2027-11-01', cognitiveImpairment: false },
};
describeHandler(UpdatePatientAssessmentCommand, UpdatePatientAssessmentHandler, [
  { name: 'the registering hospital records an assessment', actor: ACTORS.origin, payload, events: ['AssessmentUpdated'] },
  { name: 'a centre without the shared record may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  {
    name: 'a grade out of range',
    actor: ACTORS.origin,
    payload: { ...payload, assessment: { ...payload.assessment, grade: 99 } },
    refused: 'VALIDATION_FAILED',
  },
]);
