import { Bed, BedKind, defaultPolicy, Institution, Patient, Programme, Referral } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { actor, ACTORS, DISTRICT, FakeUnitOfWork, T0, world } from '../../testing/fake-unit-of-work';
import { addProgramme, homeReferral } from '../../testing/home';
import { describeHandler } from '../../testing/handler-cases';
import { StartTransferCommand } from './start-transfer.command';
import { StartTransferHandler } from './start-transfer.handler';

const payload = { referralId: 'ref-1' };
const careHome = actor('CARE_HOME_ADMISSIONS', 'home');

/**
 * pat-1 lives in care-home bed `hbed` (institution `home`) and goes up to hospital bed `hb` at `hosp`: referral
 * `ref-up`, accepted. `origin` is the kind of `hbed` and of the institution holding it.
 */
function goingUp(w: FakeUnitOfWork, origin: { kind: BedKind; institutionType: Institution['props']['type'] }, requestedKind: BedKind = 'HOSPITAL'): void {
  w.add(
    Institution.register(
      { id: 'home', code: 'home', name: 'home', type: origin.institutionType, districtId: DISTRICT, address: '', lat: null, lng: null, services: [] },
      T0,
    ),
  );
  (w.all.get('obed') as Bed).discharge('earlier', T0);
  const hbed = addBed(w, 'hbed', 'home', origin.kind);
  hbed.admit('pat-1', 'earlier', T0);
  addBed(w, 'hb', 'hosp', 'HOSPITAL');
  const r = Referral.draft(
    {
      id: 'ref-up',
      patientId: 'pat-1',
      districtId: DISTRICT,
      originInstitutionId: 'home',
      originBedId: 'hbed',
      originKind: origin.kind,
      requestedKind,
      services: [],
      urgency: 'URGENT',
      strategy: 'BROADCAST',
      fanout: 3,
      clinicalSummary: 'fever',
      careLevel: null,
      consent: true,
      expectedArrival: null,
      dispatch: 'MANUAL',
    },
    careHome,
    T0,
  );
  r.submit(careHome, T0);
  r.extendOffer(
    { offerId: 'off-up', targetInstitutionId: 'hosp', targetBedId: 'hb', targetProgrammeId: null },
    { deadlineFor: (now) => new Date(now.getTime() + 3_600_000) },
    T0,
  );
  r.acceptOffer('off-up', { bedId: 'hb', programmeId: null, holdUntil: new Date(T0.getTime() + 86_400_000) }, ACTORS.origin, T0);
  w.add(r);
  for (const a of w.all.values()) a.pullEvents();
}
const bed = (w: FakeUnitOfWork, id: string) => w.all.get(id) as Bed;
/** pat-1 is on programme `id` (of `kind`, at cc2) since before the referral. */
const enrolledIn = (w: FakeUnitOfWork, id: string, kind: Programme['props']['kind']) => {
  if (!w.all.has(id)) addProgramme(w, id, 'cc2', kind);
  const prog = w.all.get(id) as Programme;
  prog.enrol({ enrolmentId: `e-${id}`, patientId: 'pat-1', referralId: 'earlier' }, T0);
  prog.pullEvents();
};
const enrolledOn = (w: FakeUnitOfWork, id: string) => (w.all.get(id) as Programme).activeEnrolments.map((e) => e.patientId);
/** `ref-h` (to a home sickbed at cc1) accepted into a slot of `prog-1`. */
const homeAccepted = (w: FakeUnitOfWork) => {
  homeReferral('prog-1')(w);
  const r = w.all.get('ref-h') as Referral;
  r.acceptOffer('off-h', { bedId: null, programmeId: 'prog-1', holdUntil: new Date(T0.getTime() + 86_400_000) }, ACTORS.target, T0);
  r.pullEvents();
};

describeHandler(StartTransferCommand, StartTransferHandler, [
  {
    name: 'the origin discharges the patient',
    stage: 'ACCEPTED',
    actor: ACTORS.origin,
    payload,
    events: ['BedStatusChanged', 'TransferStarted'],
    result: { referralId: 'ref-1', state: 'IN_TRANSFER' },
    after: (w) => {
      expect(bed(w, 'obed').props).toMatchObject({ status: 'H', occupantPatientId: null, returnHold: null });
      expect(w.payloadOf('TransferStarted')).toMatchObject({
        originBedId: 'obed',
        targetInstitutionId: 'cc1',
        targetBedId: 'bed-1',
        startedBy: ACTORS.origin.userId,
      });
    },
  },
  {
    name: 'a referral naming no origin bed discharges the bed the patient is found in',
    stage: 'ACCEPTED',
    given: (w) => {
      const r = w.all.get('ref-1') as Referral;
      w.add(Referral.rehydrate({ ...r.props, originBedId: null }, 1));
    },
    actor: ACTORS.origin,
    payload,
    events: ['BedStatusChanged', 'TransferStarted'],
    after: (w) => {
      expect(bed(w, 'obed').props).toMatchObject({ status: 'H', occupantPatientId: null });
      expect(w.payloadOf('TransferStarted')).toMatchObject({ originBedId: 'obed' });
    },
  },
  {
    name: 'an origin bed someone else now occupies is left alone',
    stage: 'ACCEPTED',
    given: (w) => {
      // pat-1 already left obed (and it was cleaned); another patient lies in it now
      const obed = bed(w, 'obed');
      obed.discharge('earlier', T0);
      obed.operate('Clean', T0);
      w.add(
        Patient.register(
          { id: 'pat-2', residentId: '310104194603151230', name: 'Q', phone: null, registeredBy: 'hosp', assessment: null, hardship: false },
          T0,
        ),
      );
      obed.admit('pat-2', 'other', T0);
      for (const a of w.all.values()) a.pullEvents();
    },
    actor: ACTORS.origin,
    payload,
    events: ['TransferStarted'],
    after: (w) => expect(bed(w, 'obed').props).toMatchObject({ status: 'O', occupantPatientId: 'pat-2' }),
  },
  {
    name: 'leaving for a physical bed ends every home enrolment',
    stage: 'ACCEPTED',
    given: (w) => {
      enrolledIn(w, 'prog-1', 'HOME_SICKBED');
      enrolledIn(w, 'prog-c', 'HOME_CARE');
    },
    actor: ACTORS.origin,
    payload,
    after: (w) => {
      expect(enrolledOn(w, 'prog-1')).toEqual([]);
      expect(enrolledOn(w, 'prog-c')).toEqual([]);
      expect(w.recorded.filter((e) => e.type === 'EnrolmentEnded').map((e) => e.payload)).toEqual([
        expect.objectContaining({ programmeId: 'prog-1', patientId: 'pat-1', referralId: 'ref-1' }),
        expect.objectContaining({ programmeId: 'prog-c', patientId: 'pat-1', referralId: 'ref-1' }),
      ]);
    },
  },
  {
    name: 'moving to another home sickbed ends the sickbed enrolment only; home care is kept',
    given: (w) => {
      homeAccepted(w);
      enrolledIn(w, 'prog-2', 'HOME_SICKBED');
      enrolledIn(w, 'prog-c', 'HOME_CARE');
    },
    actor: ACTORS.origin,
    payload: { referralId: 'ref-h' },
    result: { referralId: 'ref-h', state: 'IN_TRANSFER' },
    after: (w) => {
      expect(enrolledOn(w, 'prog-2')).toEqual([]);
      expect(enrolledOn(w, 'prog-c')).toEqual(['pat-1']);
      expect(w.payloadOf('EnrolmentEnded')).toMatchObject({ programmeId: 'prog-2', patientId: 'pat-1', referralId: 'ref-h' });
    },
  },
  { name: 'the target may not', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no transfer before acceptance', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);

const ctx = { commandId: 'c', commandType: 'StartTransfer', actor: careHome, correlationId: 'c', causationId: null, now: T0 };
async function startTransfer(origin: { kind: BedKind; institutionType: Institution['props']['type'] }, requestedKind?: BedKind, returnHoldDays?: number) {
  const w = world();
  goingUp(w, origin, requestedKind);
  const policy = { forDistrict: async (d: string) => ({ ...defaultPolicy(d), ...(returnHoldDays === undefined ? {} : { returnHoldDays }) }) };
  await new StartTransferHandler(w, policy).execute(new StartTransferCommand({ referralId: 'ref-up' }, ctx));
  const bed = await w.getBed('hbed');
  return { hold: bed.props.returnHold ?? null, occupant: bed.props.occupantPatientId, events: w.events };
}
const careHomeBed = { kind: 'CARE_HOME', institutionType: 'ELDERLY_CARE_INSTITUTION' } as const;

describe('StartTransfer: the return hold of a resident going up to hospital', () => {
  it('keeps the care-home bed for the district’s return-hold days (14 by default) after the discharge', async () => {
    const t = await startTransfer(careHomeBed);
    expect(t.occupant).toBeNull();
    expect(t.hold).toEqual({ patientId: 'pat-1', until: new Date(T0.getTime() + 14 * 86_400_000) });
    expect(t.events).toContain('TransferStarted');
  });

  it('no hold when the district keeps none (0 days)', async () => {
    expect((await startTransfer(careHomeBed, 'HOSPITAL', 0)).hold).toBeNull();
  });

  it('no hold for a move that is not up to hospital (care home to care home)', async () => {
    const t = await startTransfer(careHomeBed, 'CARE_HOME');
    expect(t.occupant).toBeNull();
    expect(t.hold).toBeNull();
  });

  it('no hold for a kind the district does not name (a community bed, by default)', async () => {
    const t = await startTransfer({ kind: 'COMMUNITY', institutionType: 'COMMUNITY_HEALTH_CENTRE' });
    expect(t.occupant).toBeNull();
    expect(t.hold).toBeNull();
  });
});
