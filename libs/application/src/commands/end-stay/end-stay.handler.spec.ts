import { Bed, Patient, Programme, Referral } from '@bedlink/domain';
import { ACTORS, actor, ctxFor, FakeUnitOfWork, T0, world } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { addProgramme } from '../../testing/home';
import { addPatient } from '../../testing/patients';
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
/** pat-1 still in the hospital bed and also enrolled on cc1's home programme. */
const enrolledToo = (w: FakeUnitOfWork) => {
  const prog = w.all.get('prog-1') as Programme;
  prog.noteReserved();
  prog.enrol({ enrolmentId: 'e-1', patientId: 'pat-1', referralId: 'earlier' }, T0);
  prog.pullEvents();
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
    details: { referralId: 'ref-1', state: 'OFFERED' },
  },
  {
    name: 'a referral already in transfer does not block a discharge',
    stage: 'IN_TRANSFER',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME' },
    events: ['BedStatusChanged', 'StayEnded'],
    result: { bedId: 'obed', bedStatus: 'H' },
  },
  {
    name: "another institution's live referral does not block ending a home enrolment",
    stage: 'OFFERED',
    given: atHome,
    actor: cc1,
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED' },
    events: ['EnrolmentEnded', 'StayEnded'],
    result: { bedId: null, programmeId: 'prog-1' },
  },
  {
    name: 'a patient holding neither bed nor slot: STAY_NOT_FOUND to their registrar',
    given: (w) => addPatient(w, 'pat-2', 'hosp'),
    actor: ACTORS.origin,
    payload: { patientId: 'pat-2', reason: 'DECEASED' },
    refused: 'STAY_NOT_FOUND',
    details: { patientId: 'pat-2' },
  },
  {
    name: 'a patient holding neither bed nor slot is unknown to an uninvolved institution',
    given: (w) => addPatient(w, 'pat-2', 'hosp'),
    actor: ACTORS.stranger,
    payload: { patientId: 'pat-2', reason: 'DECEASED' },
    refused: 'PATIENT_NOT_FOUND',
    details: { id: 'pat-2' },
  },
  {
    name: 'on two home programmes at once: the programme must be named',
    given: (w) => {
      atHome(w);
      addProgramme(w, 'prog-2', 'cc1', 'HOME_SICKBED');
      const p2 = w.all.get('prog-2') as Programme;
      p2.noteReserved();
      p2.enrol({ enrolmentId: 'e-2', patientId: 'pat-1', referralId: 'earlier-2' }, T0);
      p2.pullEvents();
    },
    actor: cc1,
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'in a bed and enrolled at home: the bed stay ends, the enrolment stays',
    given: enrolledToo,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME' },
    events: ['BedStatusChanged', 'StayEnded'],
    result: { bedId: 'obed', programmeId: null, bedStatus: 'H' },
  },
  {
    name: 'the bed named while also enrolled at home: the bed stay ends',
    given: enrolledToo,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME', bedId: 'obed' },
    events: ['BedStatusChanged', 'StayEnded'],
    result: { bedId: 'obed', programmeId: null, bedStatus: 'H' },
  },
  {
    name: 'a death releases the bed held for the patient to return to',
    given: (w) => (w.all.get('bed-1') as Bed).placeReturnHold('pat-1', new Date(T0.getTime() + 86_400_000), 'ref-0', T0),
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    events: ['BedStatusChanged', 'StayEnded', 'ReturnHoldReleased'],
    result: { bedId: 'obed', bedStatus: 'H' },
  },
  {
    name: 'a discharge home keeps the return hold',
    given: (w) => (w.all.get('bed-1') as Bed).placeReturnHold('pat-1', new Date(T0.getTime() + 86_400_000), 'ref-0', T0),
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME' },
    events: ['BedStatusChanged', 'StayEnded'],
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

describe('EndStay answer', () => {
  it('names no cancelled referral when the live one is already in transfer', async () => {
    const w = world('IN_TRANSFER');
    const result = await new EndStayHandler(w).execute(
      new EndStayCommand({ patientId: 'pat-1', reason: 'DECEASED' }, ctxFor(ACTORS.origin, EndStayCommand.type)),
    );
    expect(result).not.toHaveProperty('cancelledReferralId');
    expect((w.all.get('ref-1') as Referral).state).toBe('IN_TRANSFER');
  });
  it('answers no bed status for a home enrolment', async () => {
    const w = world();
    atHome(w);
    const result = await new EndStayHandler(w).execute(new EndStayCommand({ patientId: 'pat-1', reason: 'ENROLMENT_ENDED' }, ctxFor(cc1, EndStayCommand.type)));
    expect(result).not.toHaveProperty('bedStatus');
  });
});
