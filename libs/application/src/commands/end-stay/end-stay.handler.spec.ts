import { Bed, Patient, Programme, Referral } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, actor, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { addProgramme } from '../../testing/home';
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
    details: { referralId: 'ref-1', state: 'OFFERED' },
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

const bed = (w: FakeUnitOfWork, id: string) => w.all.get(id) as Bed;
/** pat-1 also on cc2's home-care programme `prog-c` (两床融合: two home beds at once). */
const alsoOnHomeCare = (w: FakeUnitOfWork) => {
  atHome(w);
  addProgramme(w, 'prog-c', 'cc2', 'HOME_CARE');
  const prog = w.all.get('prog-c') as Programme;
  prog.enrol({ enrolmentId: 'e-c', patientId: 'pat-1', referralId: 'earlier' }, T0);
  prog.pullEvents();
};
/** pat-1, in hospital bed obed, is a care-home resident whose bed `a-home` (an id before obed's) is held for the return. */
const holdingHomeBed = (w: FakeUnitOfWork) => {
  const home = addBed(w, 'a-home', 'cc2', 'CARE_HOME');
  home.placeReturnHold('pat-1', new Date(T0.getTime() + 14 * 86_400_000), 'earlier', T0);
  home.pullEvents();
};
/** pat-1 out of every bed and programme. */
const nowhere = (w: FakeUnitOfWork) => {
  bed(w, 'obed').discharge('earlier', T0);
  bed(w, 'obed').pullEvents();
};

describeHandler(EndStayCommand, EndStayHandler, [
  {
    name: 'the answer names the bed and its new status; the note and family doctor go on StayEnded',
    given: (w) => w.add(Patient.rehydrate({ ...(w.all.get('pat-1') as Patient).props, familyDoctorInstitutionId: 'cc2' }, 1)),
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME', note: 'went home with family' },
    after: (w, result) => {
      expect(result).toEqual({ patientId: 'pat-1', reason: 'DISCHARGED_HOME', bedId: 'obed', programmeId: null, bedStatus: 'H' });
      expect(bed(w, 'obed').props).toMatchObject({ status: 'H', occupantPatientId: null });
      const ended = w.recorded.find((e) => e.type === 'StayEnded');
      expect(ended).toMatchObject({
        reason: 'went home with family',
        payload: { bedId: 'obed', reason: 'DISCHARGED_HOME', familyDoctorInstitutionId: 'cc2', involved: ['cc2'], endedBy: ACTORS.origin.userId },
      });
    },
  },
  {
    name: 'a home enrolment: the answer has no bed status',
    given: atHome,
    actor: cc1,
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED' },
    after: (w, result) => {
      expect(result).toEqual({ patientId: 'pat-1', reason: 'ENROLMENT_ENDED', bedId: null, programmeId: 'prog-1' });
      expect((w.all.get('prog-1') as Programme).activeEnrolments).toEqual([]);
    },
  },
  {
    name: 'in a bed and on a home programme: the bed’s stay ends unless the programme is named',
    given: (w) => {
      const prog = w.all.get('prog-1') as Programme;
      prog.enrol({ enrolmentId: 'e-1', patientId: 'pat-1', referralId: 'earlier' }, T0);
      prog.pullEvents();
    },
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME' },
    events: ['BedStatusChanged', 'StayEnded'],
    result: { bedId: 'obed', programmeId: null },
    after: (w) => expect((w.all.get('prog-1') as Programme).activeEnrolments.map((e) => e.patientId)).toEqual(['pat-1']),
  },
  {
    name: 'in a bed and on a home programme, the bed named: the bed’s stay ends',
    given: (w) => {
      const prog = w.all.get('prog-1') as Programme;
      prog.enrol({ enrolmentId: 'e-1', patientId: 'pat-1', referralId: 'earlier' }, T0);
      prog.pullEvents();
    },
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME', bedId: 'obed' },
    events: ['BedStatusChanged', 'StayEnded'],
    result: { bedId: 'obed', programmeId: null },
  },
  {
    name: 'on two home programmes, which one ends must be named',
    given: alsoOnHomeCare,
    actor: cc1,
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'on two home programmes, the one named ends and the other is kept',
    given: alsoOnHomeCare,
    actor: actor('COMMUNITY_COORDINATOR', 'cc2'),
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED', programmeId: 'prog-c' },
    events: ['EnrolmentEnded', 'StayEnded'],
    result: { bedId: null, programmeId: 'prog-c' },
    after: (w) => {
      expect((w.all.get('prog-c') as Programme).activeEnrolments).toEqual([]);
      expect((w.all.get('prog-1') as Programme).activeEnrolments.map((e) => e.patientId)).toEqual(['pat-1']);
    },
  },
  {
    name: 'a patient in no bed and no programme: STAY_NOT_FOUND to an institution involved',
    given: nowhere,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    refused: 'STAY_NOT_FOUND',
    details: { patientId: 'pat-1' },
  },
  {
    name: 'a patient in no bed and no programme: unknown to an institution not involved',
    given: nowhere,
    actor: ACTORS.stranger,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    refused: 'PATIENT_NOT_FOUND',
    details: { id: 'pat-1' },
  },
  {
    name: 'a death releases the bed held for the resident’s return (beds locked in id order)',
    given: holdingHomeBed,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    events: ['BedStatusChanged', 'StayEnded', 'ReturnHoldReleased'],
    after: (w) => {
      expect(bed(w, 'a-home').props.returnHold).toBeNull();
      expect(w.payloadOf('ReturnHoldReleased')).toMatchObject({ bedId: 'a-home', patientId: 'pat-1' });
      expect([...new Set(w.reads.filter((id) => id === 'a-home' || id === 'obed'))]).toEqual(['a-home', 'obed']);
    },
  },
  {
    name: 'a discharge home keeps the bed held for the resident’s return',
    given: holdingHomeBed,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DISCHARGED_HOME' },
    events: ['BedStatusChanged', 'StayEnded'],
    after: (w) => expect(bed(w, 'a-home').props.returnHold).toMatchObject({ patientId: 'pat-1' }),
  },
  {
    name: 'a death during the transfer leaves the referral to its own end (not cancelled here)',
    stage: 'IN_TRANSFER',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'DECEASED' },
    events: ['BedStatusChanged', 'StayEnded'],
    after: (w, result) => {
      expect(result).not.toHaveProperty('cancelledReferralId');
      expect((w.all.get('ref-1') as Referral).state).toBe('IN_TRANSFER');
    },
  },
  {
    name: 'an enrolment ending while another institution’s referral is live is not refused',
    stage: 'OFFERED',
    given: (w) => {
      const prog = w.all.get('prog-1') as Programme;
      prog.enrol({ enrolmentId: 'e-1', patientId: 'pat-1', referralId: 'earlier' }, T0);
      prog.pullEvents();
    },
    actor: cc1,
    payload: { patientId: 'pat-1', reason: 'ENROLMENT_ENDED', programmeId: 'prog-1' },
    events: ['EnrolmentEnded', 'StayEnded'],
    after: (w) => expect((w.all.get('ref-1') as Referral).state).toBe('OFFERED'),
  },
  {
    name: 'a move out of the network cancels the live referral too',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', reason: 'TRANSFERRED_OUT_OF_NETWORK' },
    result: { cancelledReferralId: 'ref-1', bedStatus: 'H' },
    after: (w) => expect((w.all.get('ref-1') as Referral).state).toBe('CANCELLED'),
  },
]);
