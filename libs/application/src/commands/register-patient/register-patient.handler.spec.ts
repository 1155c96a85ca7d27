import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RegisterPatientCommand } from './register-patient.command';
import { RegisterPatientHandler } from './register-patient.handler';

const payload = { residentId: '310104194603151230', name: 'Q' };
describeHandler(RegisterPatientCommand, RegisterPatientHandler, [
  { name: 'a centre registers a patient', actor: ACTORS.target, payload, events: ['PatientRegistered'] },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  {
    name: 'a family doctor works at a community centre',
    actor: ACTORS.target,
    payload: { ...payload, familyDoctorInstitutionId: 'hosp' },
    refused: 'VALIDATION_FAILED',
  },
]);
