import { Actor, BedKind, defaultPolicy, DistrictPolicyDoc, DomainError, Institution, RankedCandidate, Referral } from '@bedlink/domain';
import { Matcher, Policy } from '../../ports';
import { addBed } from '../../testing/beds';
import { ACTORS, ctxFor, DISTRICT, fakeMatcher, fakePolicy, FakeUnitOfWork, T0, world } from '../../testing/fake-unit-of-work';
import { addPatient, assessment } from '../../testing/patients';
import { describeHandler } from '../../testing/handler-cases';
import { SubmitReferralCommand } from './submit-referral.command';
import { SubmitReferralHandler } from './submit-referral.handler';

const payload = { referralId: 'ref-1' };
describeHandler(SubmitReferralCommand, SubmitReferralHandler, [
  { name: 'the origin submits its draft', stage: 'DRAFT', actor: ACTORS.origin, payload, events: ['ReferralSubmitted'] },
  { name: 'another institution may not', stage: 'DRAFT', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'a submitted referral is not submitted again', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
  {
    name: 'named targets get their offers at once',
    stage: 'DRAFT',
    actor: ACTORS.origin,
    payload: { ...payload, targets: [{ institutionId: 'cc1', bedId: 'bed-1' }] },
    events: ['ReferralSubmitted', 'OfferExtended', 'PlacementRequested'],
    result: {
      candidates: 1,
      offers: [{ offerId: expect.any(String), targetInstitutionId: 'cc1', targetBedId: 'bed-1', targetProgrammeId: null, deadlineAt: expect.any(String) }],
    },
  },
  {
    name: 'without targets (MANUAL) nothing is offered, nor escalated',
    stage: 'DRAFT',
    actor: ACTORS.origin,
    payload,
    events: ['ReferralSubmitted'],
    result: { offers: [] },
  },
  {
    name: 'AUTO asks the matcher, and with no candidate the referral escalates',
    stage: 'DRAFT',
    // the world's draft is MANUAL; its props are the aggregate's own (read-only by type only)
    given: (w) => Object.assign((w.all.get('ref-1') as Referral).props, { dispatch: 'AUTO' }),
    actor: ACTORS.origin,
    payload,
    events: ['ReferralSubmitted', 'ReferralEscalated'],
    result: { candidates: 0, offers: [] },
  },
  {
    name: 'an unknown target is not found',
    stage: 'DRAFT',
    actor: ACTORS.origin,
    payload: { ...payload, targets: [{ institutionId: 'nowhere' }] },
    refused: 'NOT_FOUND',
  },
]);

/** A care home (ELDERLY_CARE_INSTITUTION) of the fake district, its events dropped. */
const careHome = (w: FakeUnitOfWork, id: string) => {
  const i = Institution.register(
    { id, code: id, name: id, type: 'ELDERLY_CARE_INSTITUTION', districtId: DISTRICT, address: '', lat: null, lng: null, services: [] },
    T0,
  );
  i.pullEvents();
  w.add(i);
};

/** `ref-c`: a MANUAL BROADCAST draft of `patientId` from `origin` (hosp: a HOSPITAL origin) asking for `requestedKind`. */
const draft = (w: FakeUnitOfWork, patientId: string, requestedKind: BedKind, over: { origin?: string; originKind?: BedKind; dispatch?: 'AUTO' } = {}) => {
  const r = Referral.draft(
    {
      id: 'ref-c',
      patientId,
      districtId: DISTRICT,
      originInstitutionId: over.origin ?? 'hosp',
      originBedId: null,
      originKind: over.originKind ?? 'HOSPITAL',
      requestedKind,
      services: [],
      urgency: 'ROUTINE',
      strategy: 'BROADCAST',
      fanout: 3,
      clinicalSummary: 'stable',
      careLevel: null,
      consent: true,
      dispatch: over.dispatch ?? 'MANUAL',
    },
    ACTORS.origin,
    T0,
  );
  r.pullEvents();
  w.add(r);
  return r;
};

/** A bed at `institutionId` kept for `patientId`'s return (the resident left for hospital). */
const heldBed = (w: FakeUnitOfWork, id: string, institutionId: string, kind: BedKind, patientId: string) => {
  const bed = addBed(w, id, institutionId, kind);
  bed.placeReturnHold(patientId, new Date(T0.getTime() + 14 * 86_400_000), 'ref-earlier', T0);
  bed.pullEvents();
};

const withPolicy = (change: (doc: DistrictPolicyDoc) => DistrictPolicyDoc): Policy => ({ forDistrict: async (id) => change(defaultPolicy(id)) });
const onFailure = (mode: 'REFUSE' | 'FLAG') => withPolicy((doc) => ({ ...doc, eligibility: { ...doc.eligibility, onFailure: mode } }));

async function submit(w: FakeUnitOfWork, payload: Record<string, unknown>, deps: { policy?: Policy; matcher?: Matcher; actor?: Actor } = {}) {
  const h = new SubmitReferralHandler(w, deps.policy ?? fakePolicy, deps.matcher ?? fakeMatcher);
  return h.execute(new SubmitReferralCommand(payload as never, ctxFor(deps.actor ?? ACTORS.origin, 'SubmitReferral'))) as Promise<any>;
}
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: DomainError) => e,
  );
const stored = (w: FakeUnitOfWork, id = 'ref-c') => w.all.get(id) as Referral;

describe('SubmitReferral and the bed kept for a returning resident', () => {
  const given = (w: FakeUnitOfWork) => {
    careHome(w, 'ch1');
    careHome(w, 'ch2');
    addPatient(w, 'pat-c', 'hosp', { assessment: assessment(3) });
    heldBed(w, 'cbed', 'ch1', 'CARE_HOME', 'pat-c');
  };

  it('a resident going back down is offered the held care-home bed, with no target named', async () => {
    const w = world();
    given(w);
    draft(w, 'pat-c', 'CARE_HOME');
    const result = await submit(w, { referralId: 'ref-c' });
    expect(result).toMatchObject({ state: 'OFFERED', candidates: 1, offers: [{ targetInstitutionId: 'ch1', targetBedId: 'cbed', targetProgrammeId: null }] });
    expect(stored(w).props.candidates).toEqual([expect.objectContaining({ institutionId: 'ch1', bedId: 'cbed' })]);
    expect(w.events).toContain('OfferExtended');
  });

  it('the held bed comes first and replaces its home in the named targets; the other targets follow', async () => {
    const w = world();
    given(w);
    draft(w, 'pat-c', 'CARE_HOME');
    const result = await submit(w, { referralId: 'ref-c', targets: [{ institutionId: 'ch2' }, { institutionId: 'ch1' }] });
    expect(result.candidates).toBe(2);
    expect(result.offers.map((o: any) => [o.targetInstitutionId, o.targetBedId])).toEqual([
      ['ch1', 'cbed'],
      ['ch2', null],
    ]);
  });

  it('a hold on a bed of another kind than the one asked for is not a target', async () => {
    const w = world();
    careHome(w, 'ch1');
    addPatient(w, 'pat-c', 'hosp', { assessment: assessment(3) });
    heldBed(w, 'combed', 'cc1', 'COMMUNITY', 'pat-c');
    draft(w, 'pat-c', 'CARE_HOME');
    const result = await submit(w, { referralId: 'ref-c', targets: [{ institutionId: 'ch1' }] });
    expect(result.offers).toEqual([expect.objectContaining({ targetInstitutionId: 'ch1', targetBedId: null })]);
    expect(stored(w).props.candidates.map((c) => c.institutionId)).toEqual(['ch1']);
  });

  it('an upward referral is not sent back to a held bed, even of the kind it asks for', async () => {
    const w = world();
    addPatient(w, 'pat-c', 'cc1');
    heldBed(w, 'hbed', 'hosp', 'HOSPITAL', 'pat-c');
    draft(w, 'pat-c', 'HOSPITAL', { origin: 'cc1', originKind: 'COMMUNITY' });
    expect(stored(w).props.direction).toBe('UPWARD');
    const result = await submit(w, { referralId: 'ref-c' }, { actor: ACTORS.target });
    expect(result).toMatchObject({ state: 'SUBMITTED', offers: [] });
    expect(result).not.toHaveProperty('candidates');
    expect(w.events).toEqual(['ReferralSubmitted']);
  });
});

describe('SubmitReferral and the eligibility policy', () => {
  const given = (w: FakeUnitOfWork, over: Parameters<typeof addPatient>[3] = {}) => {
    careHome(w, 'ch1');
    addPatient(w, 'pat-c', 'hosp', over);
    draft(w, 'pat-c', 'CARE_HOME');
  };

  it('REFUSE: a care bed without an assessment is refused with its code and details; the draft stays', async () => {
    const w = world();
    given(w);
    const err = await refusal(submit(w, { referralId: 'ref-c', targets: [{ institutionId: 'ch1' }] }, { policy: onFailure('REFUSE') }));
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'CARE_GRADE_MISSING', details: { reason: 'MISSING' } });
    expect(stored(w).state).toBe('DRAFT');
    expect(stored(w).liveOffers).toEqual([]);
  });

  it('REFUSE: the age comes from the patient’s birth date, whatever the grade', async () => {
    const w = world();
    // 40 years old on T0, with an assessment that would qualify an older patient
    given(w, { birthDate: `${T0.getUTCFullYear() - 40}-01-15`, assessment: assessment(5) });
    const err = await refusal(submit(w, { referralId: 'ref-c' }, { policy: onFailure('REFUSE') }));
    expect(err).toMatchObject({ code: 'CARE_GRADE_INELIGIBLE', details: { reason: 'AGE', minAge: 60, age: 40 } });
  });

  it('FLAG: the referral goes to the district coordinator with the code, and the named targets get no offer', async () => {
    const w = world();
    given(w);
    const result = await submit(w, { referralId: 'ref-c', targets: [{ institutionId: 'ch1' }] }, { policy: onFailure('FLAG') });
    expect(result).toEqual({ referralId: 'ref-c', state: 'ESCALATED', version: 1, flagged: 'CARE_GRADE_MISSING', offers: [] });
    expect(w.events).toEqual(['ReferralSubmitted', 'ReferralEscalated']);
    const r = stored(w);
    expect(r.state).toBe('ESCALATED');
    expect(r.props.offers).toEqual([]);
    expect(r.props.stateReason).toEqual(expect.stringContaining('CARE_GRADE_MISSING'));
  });

  it('FLAG: an AUTO referral is not dispatched to the matcher’s candidates either', async () => {
    const w = world();
    given(w);
    Object.assign(stored(w).props, { dispatch: 'AUTO' });
    const matcher: Matcher = { ...fakeMatcher, candidates: async () => [ranked('ch1', null)] };
    const result = await submit(w, { referralId: 'ref-c' }, { policy: onFailure('FLAG'), matcher });
    expect(result).toMatchObject({ state: 'ESCALATED', flagged: 'CARE_GRADE_MISSING', offers: [] });
    expect(stored(w).props.offers).toEqual([]);
  });

  it('an eligible patient is submitted as usual (a care bed, a valid assessment, old enough)', async () => {
    const w = world();
    given(w, { assessment: assessment(3) });
    const result = await submit(w, { referralId: 'ref-c', targets: [{ institutionId: 'ch1' }] }, { policy: onFailure('REFUSE') });
    expect(result).toMatchObject({ state: 'OFFERED', candidates: 1, offers: [{ targetInstitutionId: 'ch1' }] });
    expect(result).not.toHaveProperty('flagged');
  });
});

/** A ranked candidate as the matcher answers it. */
const ranked = (institutionId: string, bedId: string | null): RankedCandidate => ({
  institutionId,
  bedId,
  programmeId: null,
  score: 80,
  kind: 'COMMUNITY',
  distanceKm: null,
  explanation: [],
});

describe('SubmitReferral: routes and AUTO dispatch', () => {
  it('a named target no agreement or district rule allows is refused with the route', async () => {
    const w = world('DRAFT');
    const policy = withPolicy((doc) => ({ ...doc, referral: { ...doc.referral, sameDistrictWithoutAgreement: false } }));
    const err = await refusal(submit(w, { referralId: 'ref-1', targets: [{ institutionId: 'cc1', bedId: 'bed-1' }] }, { policy }));
    expect(err).toMatchObject({
      code: 'DIRECTION_NOT_ALLOWED',
      details: { originInstitutionId: 'hosp', targetInstitutionId: 'cc1', kind: 'COMMUNITY', direction: 'DOWNWARD' },
    });
    expect(stored(w, 'ref-1').state).toBe('DRAFT');
  });

  it('AUTO: the matcher’s candidates get the offers, with the district’s deadline', async () => {
    const w = world('DRAFT');
    Object.assign(stored(w, 'ref-1').props, { dispatch: 'AUTO' });
    const asked: number[] = [];
    const matcher: Matcher = {
      ...fakeMatcher,
      candidates: async (_r, limit) => {
        asked.push(limit);
        return [ranked('cc1', 'bed-1'), ranked('cc2', null)];
      },
    };
    const result = await submit(w, { referralId: 'ref-1' }, { matcher });
    expect(asked).toEqual([10]);
    expect(result.candidates).toBe(2);
    // ROUTINE: 24 h (the default policy, no business calendar)
    const deadlineAt = new Date(T0.getTime() + 24 * 3_600_000).toISOString();
    expect(result.offers).toEqual([
      { offerId: expect.any(String), targetInstitutionId: 'cc1', targetBedId: 'bed-1', targetProgrammeId: null, deadlineAt },
      { offerId: expect.any(String), targetInstitutionId: 'cc2', targetBedId: null, targetProgrammeId: null, deadlineAt },
    ]);
    expect(stored(w, 'ref-1').props.candidates).toEqual([
      { institutionId: 'cc1', bedId: 'bed-1', programmeId: null, score: 80 },
      { institutionId: 'cc2', bedId: null, programmeId: null, score: 80 },
    ]);
  });

  it('AUTO with named targets: the targets are offered and the matcher is not asked', async () => {
    const w = world('DRAFT');
    Object.assign(stored(w, 'ref-1').props, { dispatch: 'AUTO' });
    let asked = 0;
    const matcher: Matcher = { ...fakeMatcher, candidates: async () => (asked++, [ranked('cc2', null)]) };
    const result = await submit(w, { referralId: 'ref-1', targets: [{ institutionId: 'cc1', bedId: 'bed-1' }] }, { matcher });
    expect(asked).toBe(0);
    expect(result.offers.map((o: any) => o.targetInstitutionId)).toEqual(['cc1']);
  });
});
