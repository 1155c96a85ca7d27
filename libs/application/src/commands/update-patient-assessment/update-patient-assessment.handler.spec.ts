import { Patient, Referral } from '@bedlink/domain';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { UpdatePatientAssessmentCommand } from './update-patient-assessment.command';
import { UpdatePatientAssessmentHandler } from './update-patient-assessment.handler';

const payload = {
  patientId: 'pat-1',
  assessment: { grade: 3, type: 'MEDICAL', assessedOn: '2026-11-01', expiresOn: '2027-11-01', cognitiveImpairment: false },
};
const grade = (g: number) => ({ ...payload, assessment: { ...payload.assessment, grade: g } });
const referral = (w: FakeUnitOfWork) => w.all.get('ref-1') as Referral;
const patient = (w: FakeUnitOfWork) => w.all.get('pat-1') as Patient;
/** ref-1 asks for a care-home bed (care grade 2 and over in the default policy) instead of a community one. */
const forCareHome = (w: FakeUnitOfWork) => w.add(Referral.rehydrate({ ...referral(w).props, requestedKind: 'CARE_HOME' }, 1));
describeHandler(UpdatePatientAssessmentCommand, UpdatePatientAssessmentHandler, [
  { name: 'the registering hospital records an assessment', actor: ACTORS.origin, payload, events: ['AssessmentUpdated'] },
  { name: 'a centre without the shared record may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  {
    name: 'a grade out of range',
    actor: ACTORS.origin,
    payload: { ...payload, assessment: { ...payload.assessment, grade: 99 } },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'the stored assessment: cognitive impairment as given',
    actor: ACTORS.origin,
    payload: { ...payload, assessment: { ...payload.assessment, cognitiveImpairment: true } },
    after: (w) => expect(patient(w).props.assessment).toMatchObject({ grade: 3, cognitiveImpairment: true }),
  },
  {
    name: 'the stored assessment: cognitive impairment left out is none',
    actor: ACTORS.origin,
    payload: { ...payload, assessment: { grade: 3, type: 'MEDICAL', assessedOn: '2026-11-01', expiresOn: '2027-11-01' } },
    after: (w) => expect(patient(w).props.assessment).toMatchObject({ grade: 3, cognitiveImpairment: false }),
  },
  {
    name: 'no live referral: none reassessed',
    actor: ACTORS.origin,
    payload,
    after: (_w, result) => expect(result).toEqual({ patientId: 'pat-1', grade: 3, reassessedReferralId: null }),
  },
  {
    name: 'the live referral carries the new grade',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload,
    after: (w, result) => {
      expect(result).toEqual({ patientId: 'pat-1', grade: 3, reassessedReferralId: 'ref-1' });
      expect(referral(w).props.careLevel).toBe(3);
      expect(referral(w).state).toBe('OFFERED');
    },
  },
  {
    name: 'an offered care-home referral the new grade no longer qualifies goes to the district',
    stage: 'OFFERED',
    given: forCareHome,
    actor: ACTORS.origin,
    payload: grade(1),
    result: { reassessedReferralId: 'ref-1', escalated: 'CARE_GRADE_INELIGIBLE' },
    after: (w) => {
      expect(referral(w).state).toBe('ESCALATED');
      expect(w.events).toContain('ReferralEscalated');
    },
  },
  {
    name: 'a submitted care-home referral too',
    stage: 'DRAFT',
    given: (w) => {
      forCareHome(w);
      referral(w).submit(ACTORS.origin, T0);
      referral(w).pullEvents();
    },
    actor: ACTORS.origin,
    payload: grade(1),
    result: { escalated: 'CARE_GRADE_INELIGIBLE' },
    after: (w) => expect(referral(w).state).toBe('ESCALATED'),
  },
  {
    name: 'a care-home referral the new grade still qualifies stays where it is',
    stage: 'OFFERED',
    given: forCareHome,
    actor: ACTORS.origin,
    payload: grade(2),
    after: (w, result) => {
      expect(result).not.toHaveProperty('escalated');
      expect(referral(w).state).toBe('OFFERED');
    },
  },
  {
    name: 'an accepted care-home referral is not checked again',
    stage: 'ACCEPTED',
    given: forCareHome,
    actor: ACTORS.origin,
    payload: grade(1),
    after: (w, result) => {
      expect(result).not.toHaveProperty('escalated');
      expect(referral(w).state).toBe('ACCEPTED');
      expect(referral(w).props.careLevel).toBe(1);
    },
  },
  {
    name: 'the check counts the patient’s age: under 60 is not for a care home, whatever the grade',
    stage: 'OFFERED',
    given: (w) => {
      forCareHome(w);
      w.add(Patient.rehydrate({ ...patient(w).props, birthDate: '1990-01-01' }, 1));
    },
    actor: ACTORS.origin,
    payload: grade(4),
    result: { escalated: 'CARE_GRADE_INELIGIBLE' },
  },
]);
