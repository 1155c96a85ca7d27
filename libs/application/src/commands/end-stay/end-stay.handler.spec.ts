import { Bed, Patient, Programme } from '@bedlink/domain';
import { ACTORS, actor, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { EndStayCommand } from './end-stay.command';
import { EndStayHandler } from './end-stay.handler';

const cc1 = actor('COMMUNITY_COORDINATOR', 'cc1');
/** pat-1 left the hospital bed and is on cc1's home programme, with a family doctor at cc2. */
const atHome = (w: FakeUnitOfWork) => {
  const prog = w.all.get('prog-1') as Programme;
  prog.noteReserved();
  prog.enrol({ enrolmentId: 'e-1', patientId: 'pat-1', referralId: 'earlier' }, T0);
  w.add(Patient.rehydrate({ ...(w.all.get('pat-1') as Patient).props, familyDoctorInstitutionId: 'cc2' }, 1));
  (w.all.get('obed') as Bed).endStay({ patientId: 'pat-1', reason: 'DISCHARGED_HOME', familyDoctorInstitutionId: null, endedBy: 'x' }, T0);
  for (const a of w.all.values()) a.pullEvents();
};

describeHandler(EndStayCommand, EndStayHandler, [
  {
    name: 'the hospital ends a death in its bed: bed to H, StayEnded',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    events: ['BedStatusChanged', 'StayEnded'],
    result: { bedId: 'obed', bedStatus: 'H', programmeId: null },
  },
  {
    name: 'the bed named explicitly',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME', bedId: 'obed' },
    events: ['BedStatusChanged', 'StayEnded'],
  },
  { name: 'another institution may not end the stay', actor: ACTORS.stranger, payload: { patientId: 'pat-1', reason: 'DECEASED' }, refused: 'FORBIDDEN' },
  {
    name: 'the district may not either (the holder ends it)',
    actor: ACTORS.district,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    refused: 'FORBIDDEN',
  },
  {
    name: 'a bed the patient is not in',
    actor: cc1,
    payload: { patientId: 'pat-1', reason: 'DECEASED', bedId: 'bed-1' },
    refused: 'STAY_NOT_FOUND',
  },
  {
    name: 'ENROLMENT_ENDED is for home programmes',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'both a bed and a programme',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DECEASED', bedId: 'obed', programmeId: 'prog-1' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'a home enrolment ends: slot freed, StayEnded',
    given: atHome,
    actor: cc1,
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED' },
    events: ['EnrolmentEnded', 'StayEnded'],
    result: { bedId: null, programmeId: 'prog-1' },
  },
  {
    name: 'discharged home with its own referral live: refused',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME' },
    refused: 'PATIENT_HAS_LIVE_REFERRAL',
  },
  {
    name: 'a death cancels the live referral and releases its hold',
    stage: 'ACCEPTED',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    events: ['BedStatusChanged', 'StayEnded', 'ReservationReleased', 'ReferralCancelled'],
    result: { cancelledReferralId: 'ref-1' },
  },
]);
