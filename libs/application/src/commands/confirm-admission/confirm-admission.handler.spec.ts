import { Bed, Patient, Programme, Referral } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { addProgramme, homeReferral } from '../../testing/home';
import { describeHandler } from '../../testing/handler-cases';
import { ConfirmAdmissionCommand } from './confirm-admission.command';
import { ConfirmAdmissionHandler } from './confirm-admission.handler';

const payload = { referralId: 'ref-1' };
const home = { referralId: 'ref-h' };

/** pat-1 is on programme `id` (of `kind`, at cc2) since before the referral. */
const enrolledIn = (w: FakeUnitOfWork, id: string, kind: Programme['props']['kind']) => {
  if (!w.all.has(id)) addProgramme(w, id, 'cc2', kind);
  const prog = w.all.get(id) as Programme;
  prog.enrol({ enrolmentId: `e-${id}`, patientId: 'pat-1', referralId: 'earlier' }, T0);
  prog.pullEvents();
};
/** `ref-h` (home sickbed at cc1) accepted into a slot of `prog-1` and in transfer: the admission enrols pat-1 there. */
const homeInTransfer = (w: FakeUnitOfWork) => {
  homeReferral('prog-1')(w);
  const r = w.all.get('ref-h') as Referral;
  r.acceptOffer('off-h', { bedId: null, programmeId: 'prog-1', holdUntil: new Date(T0.getTime() + 86_400_000) }, ACTORS.target, T0);
  (w.all.get('prog-1') as Programme).noteReserved();
  r.startTransfer(ACTORS.origin, T0);
  for (const a of w.all.values()) a.pullEvents();
};
const programme = (w: FakeUnitOfWork, id: string) => w.all.get(id) as Programme;
const bed = (w: FakeUnitOfWork, id: string) => w.all.get(id) as Bed;
/** The ids among `ids` in the order the handler first read (locked) them. */
const readOrder = (w: FakeUnitOfWork, ids: string[]) => [...new Set(w.reads.filter((id) => ids.includes(id)))];
const enrolledOn = (w: FakeUnitOfWork, id: string) => programme(w, id).activeEnrolments.map((e) => e.patientId);

describeHandler(ConfirmAdmissionCommand, ConfirmAdmissionHandler, [
  {
    name: 'the holder admits the patient',
    stage: 'IN_TRANSFER',
    actor: ACTORS.target,
    payload,
    events: ['BedStatusChanged', 'BedStatusChanged', 'CareRelationshipAdded', 'PatientAdmitted', 'PlacementConfirmed', 'ReferralCompleted'],
    result: { bedId: 'bed-1', programmeId: null },
    after: (w) => {
      // the origin bed is left (to housekeeping) and the held bed taken
      expect(bed(w, 'obed').props).toMatchObject({ status: 'H', occupantPatientId: null });
      expect(bed(w, 'bed-1').props).toMatchObject({ status: 'O', occupantPatientId: 'pat-1' });
      // the receiver gets a care relationship with the shared record
      expect(w.payloadOf('CareRelationshipAdded')).toEqual({ patientId: 'pat-1', institutionId: 'cc1', kind: 'RECEIVED', sharedRecord: true });
      expect((w.all.get('pat-1') as Patient).takeNewRelationships()).toContainEqual(
        expect.objectContaining({ institutionId: 'cc1', kind: 'RECEIVED', sharedRecord: true }),
      );
    },
  },
  {
    name: 'a patient already out of every bed is only admitted (no discharge)',
    stage: 'IN_TRANSFER',
    given: (w) => bed(w, 'obed').discharge('earlier', new Date('2026-11-23T07:00:00Z')),
    actor: ACTORS.target,
    payload,
    events: ['BedStatusChanged', 'CareRelationshipAdded', 'PatientAdmitted', 'PlacementConfirmed', 'ReferralCompleted'],
    result: { bedId: 'bed-1' },
  },
  {
    name: 'the bed the patient is actually in is left, and both beds are locked in id order',
    stage: 'IN_TRANSFER',
    given: (w) => {
      // moved within the hospital to `a1` (an id before the held bed-1's) after the referral was made
      bed(w, 'obed').discharge('earlier', T0);
      addBed(w, 'a1', 'hosp').admit('pat-1', 'earlier', T0);
      for (const a of w.all.values()) a.pullEvents();
    },
    actor: ACTORS.target,
    payload,
    result: { bedId: 'bed-1' },
    after: (w) => {
      expect(bed(w, 'a1').props).toMatchObject({ status: 'H', occupantPatientId: null });
      expect(bed(w, 'bed-1').props.occupantPatientId).toBe('pat-1');
      expect(readOrder(w, ['a1', 'bed-1'])).toEqual(['a1', 'bed-1']);
    },
  },
  {
    name: 'a centre that received the patient before gets no second care relationship',
    stage: 'IN_TRANSFER',
    given: (w) => w.relationships.push({ patientId: 'pat-1', institutionId: 'cc1', kind: 'RECEIVED' }),
    actor: ACTORS.target,
    payload,
    events: ['BedStatusChanged', 'BedStatusChanged', 'PatientAdmitted', 'PlacementConfirmed', 'ReferralCompleted'],
  },
  {
    name: 'admitted to a bed: every home slot the patient held is left',
    stage: 'IN_TRANSFER',
    given: (w) => {
      enrolledIn(w, 'prog-1', 'HOME_SICKBED');
      enrolledIn(w, 'prog-c', 'HOME_CARE');
    },
    actor: ACTORS.target,
    payload,
    // (the fake lists events by aggregate, in the order the aggregates were added: prog-c after the referral)
    events: [
      'BedStatusChanged',
      'BedStatusChanged',
      'CareRelationshipAdded',
      'EnrolmentEnded',
      'PatientAdmitted',
      'PlacementConfirmed',
      'ReferralCompleted',
      'EnrolmentEnded',
    ],
    after: (w) => {
      expect(enrolledOn(w, 'prog-1')).toEqual([]);
      expect(enrolledOn(w, 'prog-c')).toEqual([]);
      const ended = w.recorded.filter((e) => e.type === 'EnrolmentEnded');
      expect(ended.map((e) => e.payload)).toEqual([
        expect.objectContaining({ programmeId: 'prog-1', patientId: 'pat-1', referralId: 'ref-1' }),
        expect.objectContaining({ programmeId: 'prog-c', patientId: 'pat-1', referralId: 'ref-1' }),
      ]);
    },
  },
  {
    name: 'admitted to a home programme: enrolled there, with the referral',
    given: homeInTransfer,
    actor: ACTORS.target,
    payload: home,
    result: { referralId: 'ref-h', state: 'COMPLETED', bedId: null, programmeId: 'prog-1' },
    after: (w) => {
      expect(enrolledOn(w, 'prog-1')).toEqual(['pat-1']);
      expect(programme(w, 'prog-1').props.liveReservations).toBe(0);
      expect(w.payloadOf('PatientEnrolled')).toMatchObject({ programmeId: 'prog-1', patientId: 'pat-1', referralId: 'ref-h', enrolmentId: expect.any(String) });
      expect(w.events).not.toContain('EnrolmentEnded');
      // the hospital bed the patient left is discharged
      expect(bed(w, 'obed').props).toMatchObject({ status: 'H', occupantPatientId: null });
    },
  },
  {
    name: 'admitted to a home programme: the slot of the same kind is left, the other kind kept, programmes locked in id order',
    given: (w) => {
      homeInTransfer(w);
      // prog-2 sorts after prog-1, the programme admitted to
      enrolledIn(w, 'prog-2', 'HOME_SICKBED');
      enrolledIn(w, 'prog-c', 'HOME_CARE');
    },
    actor: ACTORS.target,
    payload: home,
    result: { programmeId: 'prog-1' },
    after: (w) => {
      expect(enrolledOn(w, 'prog-1')).toEqual(['pat-1']);
      expect(enrolledOn(w, 'prog-2')).toEqual([]);
      expect(enrolledOn(w, 'prog-c')).toEqual(['pat-1']);
      expect(w.payloadOf('EnrolmentEnded')).toMatchObject({ programmeId: 'prog-2', patientId: 'pat-1', referralId: 'ref-h' });
      expect(readOrder(w, ['prog-1', 'prog-2', 'prog-c'])).toEqual(['prog-1', 'prog-2']);
    },
  },
  {
    name: 'a patient already on the programme admitted to is not enrolled twice',
    given: (w) => {
      homeInTransfer(w);
      enrolledIn(w, 'prog-1', 'HOME_SICKBED');
    },
    actor: ACTORS.target,
    payload: home,
    refused: 'INVALID_TRANSITION',
  },
  { name: 'the origin may not', stage: 'IN_TRANSFER', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'no admission before the transfer', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
