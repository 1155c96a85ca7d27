import { BedKind, defaultPolicy, DomainError, Referral } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { actor, ACTORS, ctxFor, DISTRICT, fakePolicy, FakeUnitOfWork, T0, world } from '../../testing/fake-unit-of-work';
import { addPatient, assessment } from '../../testing/patients';
import { describeHandler } from '../../testing/handler-cases';
import { DraftReferralCommand } from './draft-referral.command';
import { DraftReferralHandler } from './draft-referral.handler';

const payload = {
  referralId: 'ref-2',
  patientId: 'pat-1',
  originBedId: 'obed',
  requestedKind: 'COMMUNITY',
  services: [],
  urgency: 'ROUTINE',
  clinicalSummary: 'stable',
  consent: true,
};
// the community centre, involved through ref-1's offer, sends the patient up to hospital
const up = { referralId: 'ref-up', patientId: 'pat-1', requestedKind: 'HOSPITAL', services: [], urgency: 'EMERGENCY', clinicalSummary: 'worse', consent: true };
describeHandler(DraftReferralCommand, DraftReferralHandler, [
  {
    name: 'the origin drafts a referral of its patient',
    actor: ACTORS.origin,
    payload,
    events: ['ReferralDrafted'],
    result: { referralId: 'ref-2', state: 'DRAFT', direction: 'DOWNWARD', version: 1 },
  },
  {
    name: 'an origin bed of another institution is refused',
    actor: ACTORS.origin,
    payload: { ...payload, originBedId: 'bed-1' },
    refused: 'BED_NOT_AT_TARGET',
  },
  {
    name: 'an origin bed another patient occupies is refused',
    given: (w) => addBed(w, 'obed2', 'hosp').admit('pat-9', 'earlier', new Date('2026-11-22T00:00:00Z')),
    actor: ACTORS.origin,
    payload: { ...payload, originBedId: 'obed2' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'the live referral is named to an institution involved in it',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload,
    refused: 'PATIENT_HAS_LIVE_REFERRAL',
    details: { referralId: 'ref-1' },
  },
  {
    name: 'an EMERGENCY upward referral replaces a live downward one',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: up,
    events: ['OfferWithdrawn', 'ReferralCancelled', 'ReferralDrafted'],
    result: { referralId: 'ref-up', direction: 'UPWARD' },
  },
  {
    name: 'an URGENT upward referral does not replace it',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { ...up, urgency: 'URGENT' },
    refused: 'PATIENT_HAS_LIVE_REFERRAL',
  },
  {
    name: 'an EMERGENCY referral that is not upward does not replace it',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { ...up, requestedKind: 'HOSPICE' },
    refused: 'PATIENT_HAS_LIVE_REFERRAL',
  },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  { name: 'one live referral per patient', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'PATIENT_HAS_LIVE_REFERRAL' },
]);

const familyDoctor = actor('FAMILY_DOCTOR', 'cc1');
/** `pat-f`: a resident registered by cc1 and signed with `doctorAt` for family-doctor care. */
const signed = (doctorAt: string | null) => (w: FakeUnitOfWork) => void addPatient(w, 'pat-f', 'cc1', { familyDoctorInstitutionId: doctorAt });
const fromHome = {
  referralId: 'ref-f',
  patientId: 'pat-f',
  requestedKind: 'HOSPITAL',
  services: [],
  urgency: 'URGENT',
  clinicalSummary: 'worse',
  consent: true,
};

describeHandler(DraftReferralCommand, DraftReferralHandler, [
  {
    name: 'a family doctor refers a signed resident up to hospital',
    given: signed('cc1'),
    actor: familyDoctor,
    payload: fromHome,
    events: ['ReferralDrafted'],
    result: { referralId: 'ref-f', state: 'DRAFT', direction: 'UPWARD' },
  },
  {
    name: 'a family doctor may not refer a resident signed with another centre',
    given: signed('cc2'),
    actor: familyDoctor,
    payload: fromHome,
    refused: 'FORBIDDEN',
    details: { role: 'FAMILY_DOCTOR', action: 'DraftReferral' },
  },
  {
    name: 'a family doctor may not refer a resident signed with no centre',
    given: signed(null),
    actor: familyDoctor,
    payload: fromHome,
    refused: 'FORBIDDEN',
    details: { role: 'FAMILY_DOCTOR', action: 'DraftReferral' },
  },
  {
    name: 'a family doctor refers upward only, not across',
    given: signed('cc1'),
    actor: familyDoctor,
    payload: { ...fromHome, requestedKind: 'HOSPICE' },
    refused: 'DIRECTION_NOT_ALLOWED',
    details: { direction: 'LATERAL' },
  },
  {
    name: 'a coordinator of the same centre refers that resident in any direction',
    given: signed('cc2'),
    actor: ACTORS.target,
    payload: { ...fromHome, requestedKind: 'HOSPICE' },
    events: ['ReferralDrafted'],
    result: { referralId: 'ref-f', direction: 'LATERAL' },
  },
  {
    name: 'a patient of another institution is not referred (it would open their record)',
    given: (w) => void addPatient(w, 'pat-2', 'cc2'),
    actor: ACTORS.origin,
    payload: { ...payload, patientId: 'pat-2', originBedId: null },
    refused: 'FORBIDDEN',
    details: { role: 'DISCHARGE_PLANNER', action: 'DraftReferral' },
  },
  {
    name: 'without an origin bed, a kind the origin does not hold is refused',
    actor: ACTORS.origin,
    payload: { ...payload, originBedId: null, originKind: 'CARE_HOME' },
    refused: 'BED_KIND_MISMATCH',
  },
  { name: 'a district role drafts nothing (no institution)', actor: ACTORS.district, payload, refused: 'FORBIDDEN' },
]);

/** A submitted MANUAL referral of `patientId` from `origin` (a hospital bed by default) to a community bed, its events dropped. */
function liveReferral(
  w: FakeUnitOfWork,
  id: string,
  patientId: string,
  origin: string,
  kinds: { from: BedKind; to: BedKind } = { from: 'HOSPITAL', to: 'COMMUNITY' },
): void {
  const r = Referral.draft(
    {
      id,
      patientId,
      districtId: DISTRICT,
      originInstitutionId: origin,
      originBedId: null,
      originKind: kinds.from,
      requestedKind: kinds.to,
      services: [],
      urgency: 'ROUTINE',
      strategy: 'BROADCAST',
      clinicalSummary: 'stable',
      careLevel: null,
      consent: true,
    },
    ACTORS.origin,
    T0,
  );
  r.submit(ACTORS.origin, T0);
  r.pullEvents();
  w.add(r);
}

describe('DraftReferral: what the draft keeps', () => {
  const draft = async (w: FakeUnitOfWork, p: Record<string, unknown>, a = ACTORS.origin) => {
    const result = (await new DraftReferralHandler(w, fakePolicy).execute(new DraftReferralCommand(p as never, ctxFor(a, 'DraftReferral')))) as any;
    return { result, r: w.all.get(result.referralId) as Referral };
  };

  it('the live referral of another institution is not named to one in the patient’s care but not involved in it', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'cc2');
    liveReferral(w, 'ref-other', 'pat-2', 'hosp');
    const err = await draft(w, { ...payload, patientId: 'pat-2', originBedId: null }, ACTORS.stranger).then(
      () => null,
      (e: DomainError) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(err!.code).toBe('PATIENT_HAS_LIVE_REFERRAL');
    expect(err!.details ?? {}).not.toHaveProperty('referralId');
    expect(w.all.has('ref-2')).toBe(false);
  });

  it('an EMERGENCY upward referral does not replace a live referral that is not downward', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'cc1');
    liveReferral(w, 'ref-live', 'pat-2', 'cc1', { from: 'COMMUNITY', to: 'HOSPITAL' });
    const err = await draft(w, { ...up, patientId: 'pat-2' }, ACTORS.target).then(
      () => null,
      (e: DomainError) => e,
    );
    expect(err).toMatchObject({ code: 'PATIENT_HAS_LIVE_REFERRAL', details: { referralId: 'ref-live' } });
    expect((w.all.get('ref-live') as Referral).state).toBe('SUBMITTED');
    expect(w.all.has('ref-up')).toBe(false);
  });

  it('the district policy fills strategy and fanout; MANUAL, no preferences, no arrival by default; a new id', async () => {
    const w = world();
    const rest = { ...payload, referralId: undefined };
    const { result, r } = await draft(w, rest);
    expect(result.referralId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.props).toMatchObject({
      patientId: 'pat-1',
      districtId: DISTRICT,
      originInstitutionId: 'hosp',
      originBedId: 'obed',
      originKind: 'HOSPITAL',
      requestedKind: 'COMMUNITY',
      strategy: defaultPolicy(DISTRICT).defaultStrategy,
      fanout: defaultPolicy(DISTRICT).broadcastFanout,
      dispatch: 'MANUAL',
      preferences: null,
      expectedArrival: null,
      careLevel: null,
      consent: true,
      createdBy: ACTORS.origin.userId,
    });
    // a second draft gets an id of its own
    const again = await draft(world(), rest);
    expect(again.result.referralId).not.toBe(result.referralId);
  });

  it('what the planner chose is kept: strategy, fanout, dispatch, preferences, arrival, the typed care level', async () => {
    const w = world();
    const arrival = new Date(T0.getTime() + 2 * 86_400_000);
    const { r } = await draft(w, {
      ...payload,
      strategy: 'CASCADE',
      fanout: 5,
      dispatch: 'AUTO',
      careLevel: 4,
      expectedArrival: arrival.toISOString(),
      preferences: { ranked: ['cc2'], excluded: ['cc1'], expressedBy: 'FAMILY' },
    });
    expect(r.props).toMatchObject({ strategy: 'CASCADE', fanout: 5, dispatch: 'AUTO', careLevel: 4, expectedArrival: arrival });
    expect(r.preferences).toMatchObject({ ranked: ['cc2'], excluded: ['cc1'], expressedBy: 'FAMILY' });
  });

  it('the assessed grade is the care level, whatever the planner typed', async () => {
    const w = world();
    addPatient(w, 'pat-a', 'hosp', { assessment: assessment(5) });
    const { r } = await draft(w, { ...payload, patientId: 'pat-a', originBedId: null, careLevel: 1 });
    expect(r.props.careLevel).toBe(5);
  });

  it('without an origin bed the origin kind is the one given, or the institution’s default', async () => {
    const w = world();
    addPatient(w, 'pat-a', 'hosp');
    addPatient(w, 'pat-b', 'hosp');
    const given = await draft(w, { ...payload, referralId: 'ref-a', patientId: 'pat-a', originBedId: null, originKind: 'HOSPICE' });
    expect(given.r.props).toMatchObject({ originKind: 'HOSPICE', originBedId: null });
    const fallback = await draft(w, { ...payload, referralId: 'ref-b', patientId: 'pat-b', originBedId: null });
    expect(fallback.r.props.originKind).toBe('HOSPITAL');
  });

  it('an origin bed decides the origin kind, over the one given', async () => {
    const w = world();
    addBed(w, 'hospice-1', 'hosp', 'HOSPICE');
    addPatient(w, 'pat-a', 'hosp');
    const { result, r } = await draft(w, { ...payload, patientId: 'pat-a', originBedId: 'hospice-1', originKind: 'HOSPITAL', requestedKind: 'HOSPITAL' });
    expect(r.props).toMatchObject({ originKind: 'HOSPICE', originBedId: 'hospice-1' });
    expect(result.direction).toBe('UPWARD');
  });

  it('an EMERGENCY upward referral cancels the live downward one, naming the new referral', async () => {
    const w = world('OFFERED');
    const { r } = await draft(w, up, ACTORS.target);
    const old = w.all.get('ref-1') as Referral;
    expect(old.state).toBe('CANCELLED');
    expect(old.props.stateReason).toEqual(expect.stringContaining('ref-up'));
    expect(r.state).toBe('DRAFT');
  });
});
