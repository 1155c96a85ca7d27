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
  {
    name: 'a family doctor at a community centre is accepted',
    actor: ACTORS.target,
    payload: { ...payload, familyDoctorInstitutionId: 'cc2' },
    events: ['PatientRegistered'],
  },
  { name: 'a district role registers no patient (no institution of its own)', actor: ACTORS.district, payload, refused: 'FORBIDDEN' },
  {
    name: 'a resident the network knows (any letter case) is the same patient, related to the new institution',
    actor: ACTORS.target,
    payload: { residentId: '11010519491231002x', name: 'P' },
    events: ['CareRelationshipAdded'],
    result: { patientId: 'pat-1' },
  },
  {
    name: 'the registering institution registering again changes nothing',
    actor: ACTORS.origin,
    payload: { residentId: '11010519491231002X', name: 'P' },
    events: [],
    result: { patientId: 'pat-1' },
  },
  {
    name: 'an institution that registered the resident before (not first) registering again changes nothing',
    given: (w) => w.relationships.push({ patientId: 'pat-1', institutionId: 'cc1', kind: 'REGISTERED' }),
    actor: ACTORS.target,
    payload: { residentId: '11010519491231002X', name: 'P' },
    events: [],
    result: { patientId: 'pat-1' },
  },
  {
    name: 'the family-doctor centre is stored with the new patient',
    actor: ACTORS.target,
    payload: { ...payload, familyDoctorInstitutionId: 'cc2' },
    after: async (w, result) => {
      expect(await w.familyDoctorOf(result.patientId as string)).toBe('cc2');
      expect((await w.getPatient(result.patientId as string)).props.registeredBy).toBe('cc1');
    },
  },
]);
