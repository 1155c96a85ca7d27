import { Bed, BedKind, defaultPolicy, Institution, Referral } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { actor, ACTORS, DISTRICT, FakeUnitOfWork, T0, world } from '../../testing/fake-unit-of-work';
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
describeHandler(StartTransferCommand, StartTransferHandler, [
  { name: 'the origin discharges the patient', stage: 'ACCEPTED', actor: ACTORS.origin, payload, events: ['BedStatusChanged', 'TransferStarted'] },
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
