import { CandidateFacts, defaultPolicy, DomainError, MatchNeeds, Referral } from '@bedlink/domain';
import { Matcher, Policy } from '../../ports';
import { ACTORS, ctxFor, DISTRICT, fakeMatcher, fakePolicy, FakeUnitOfWork, T0, world } from '../../testing/fake-unit-of-work';
import { addBed } from '../../testing/beds';
import { addPatient, assessment } from '../../testing/patients';
import { describeHandler } from '../../testing/handler-cases';
import { SubmitSurgeCommand } from './submit-surge.command';
import { SubmitSurgeHandler } from './submit-surge.handler';

const payload = {
  referrals: [
    { patientId: 'pat-1', originBedId: 'obed', requestedKind: 'COMMUNITY', services: [], urgency: 'ROUTINE', clinicalSummary: 'stable', consent: true },
  ],
};
describeHandler(SubmitSurgeCommand, SubmitSurgeHandler, [
  {
    name: 'the origin submits a batch; with no servable bed it escalates',
    actor: ACTORS.origin,
    payload,
    events: ['ReferralDrafted', 'ReferralSubmitted', 'ReferralEscalated'],
  },
  {
    name: 'a dry run answers the plan and records nothing',
    actor: ACTORS.origin,
    payload: { ...payload, dryRun: true },
    events: [],
    result: {
      dryRun: true,
      submitted: 1,
      placed: 0,
      escalated: 1,
      allocations: [expect.objectContaining({ index: 0, referralId: null, outcome: 'ESCALATED' })],
    },
  },
  { name: "an auditor's dry run is refused as well", actor: ACTORS.auditor, payload: { ...payload, dryRun: true }, refused: 'FORBIDDEN' },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  { name: 'a district role submits no surge', actor: ACTORS.district, payload, refused: 'FORBIDDEN' },
]);

describe('SubmitSurge and the eligibility policy', () => {
  const care = { referrals: [{ ...payload.referrals[0], requestedKind: 'CARE_HOME' }] };
  const run = async (onFailure: 'REFUSE' | 'FLAG') => {
    const w = world();
    const policy = { forDistrict: async (id: string) => ({ ...defaultPolicy(id), eligibility: { ...defaultPolicy(id).eligibility, onFailure } }) };
    const h = new SubmitSurgeHandler(w, policy, fakeMatcher);
    const result = (await h.execute(new SubmitSurgeCommand(care as never, ctxFor(ACTORS.origin, 'SubmitSurge')))) as any;
    return { result, w };
  };

  it('REFUSE: an item without an assessment is refused with its code, nothing drafted', async () => {
    const { result } = await run('REFUSE');
    expect(result.errors).toEqual([expect.objectContaining({ index: 0, code: 'CARE_GRADE_MISSING' })]);
    expect(result.submitted).toBe(0);
  });

  it('FLAG: the same item goes to the district coordinator, escalated with the code, never allocated', async () => {
    const { result, w } = await run('FLAG');
    expect(result.errors).toEqual([]);
    expect(result.allocations).toEqual([expect.objectContaining({ index: 0, outcome: 'ESCALATED', reason: expect.stringContaining('CARE_GRADE_MISSING') })]);
    expect(w.events).toEqual(['ReferralDrafted', 'ReferralSubmitted', 'ReferralEscalated']);
  });
});

/** A free place as the matcher's servable query answers it: a bed of cc1 by default. */
const place = (over: Partial<CandidateFacts>): CandidateFacts => ({
  institutionId: 'cc1',
  bedId: 'sb-1',
  programmeId: null,
  kind: 'COMMUNITY',
  services: [],
  sexRestriction: null,
  minCareLevel: null,
  maxCareLevel: null,
  isolationCapable: false,
  lat: null,
  lng: null,
  hasAgreement: false,
  load: 0,
  institutionType: 'COMMUNITY_HEALTH_CENTRE',
  districtId: DISTRICT,
  free: true,
  ...over,
});

/** A matcher whose servable places are `places` of the kind asked for; it records every question. */
const matcherOf = (places: CandidateFacts[]) => {
  const asked: { needs: MatchNeeds; limit: number }[] = [];
  const matcher: Matcher = {
    ...fakeMatcher,
    servableBeds: async (needs, limit) => {
      asked.push({ needs, limit });
      return places.filter((p) => p.kind === needs.kind);
    },
  };
  return { matcher, asked };
};

const item = (patientId: string, over: Record<string, unknown> = {}) => ({
  patientId,
  requestedKind: 'COMMUNITY',
  services: [],
  urgency: 'ROUTINE',
  clinicalSummary: 'stable',
  consent: true,
  ...over,
});

async function surge(w: FakeUnitOfWork, referrals: unknown[], opts: { places?: CandidateFacts[]; policy?: Policy; dryRun?: boolean } = {}) {
  const { matcher, asked } = matcherOf(opts.places ?? []);
  const h = new SubmitSurgeHandler(w, opts.policy ?? fakePolicy, matcher);
  const cmd = new SubmitSurgeCommand({ referrals, ...(opts.dryRun ? { dryRun: true } : {}) } as never, ctxFor(ACTORS.origin, 'SubmitSurge'));
  return { result: (await h.execute(cmd)) as any, asked };
}
const referralOf = (w: FakeUnitOfWork, id: string) => w.all.get(id) as Referral;
const referralsIn = (w: FakeUnitOfWork) => [...w.all.values()].filter((a): a is Referral => a instanceof Referral);

describe('SubmitSurge: the items it refuses', () => {
  it('a repeated patient, no consent, an unknown patient and a live referral are reported by index; the rest goes on', async () => {
    const w = world('OFFERED');
    addPatient(w, 'pat-2', 'hosp');
    addPatient(w, 'pat-3', 'hosp');
    const { result } = await surge(w, [item('pat-2'), item('pat-2'), item('pat-3', { consent: false }), item('nobody'), item('pat-1')]);
    expect(result.errors).toEqual([
      expect.objectContaining({ index: 1, code: 'PATIENT_HAS_LIVE_REFERRAL' }),
      expect.objectContaining({ index: 2, code: 'CONSENT_REQUIRED' }),
      expect.objectContaining({ index: 3, code: 'NOT_FOUND' }),
      expect.objectContaining({ index: 4, code: 'PATIENT_HAS_LIVE_REFERRAL' }),
    ]);
    expect(result.submitted).toBe(1);
    expect(result.allocations.map((a: any) => a.index)).toEqual([0]);
    expect(
      referralsIn(w)
        .map((r) => r.props.patientId)
        .sort(),
    ).toEqual(['pat-1', 'pat-2']);
  });

  it('a patient not in the care of the origin refuses the whole batch, naming the item', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp');
    addPatient(w, 'pat-x', 'cc2');
    const err = await surge(w, [item('pat-2'), item('pat-x')]).then(
      () => null,
      (e: DomainError) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'FORBIDDEN', details: { role: 'DISCHARGE_PLANNER', action: 'SubmitSurge', index: 1 } });
    expect(referralsIn(w)).toEqual([]);
  });

  it('REFUSE: the age comes from the patient’s birth date, whatever the grade', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp', { birthDate: `${T0.getUTCFullYear() - 40}-01-15`, assessment: assessment(5) });
    const { result } = await surge(w, [item('pat-2', { requestedKind: 'CARE_HOME' })]);
    expect(result.errors).toEqual([expect.objectContaining({ index: 0, code: 'CARE_GRADE_INELIGIBLE' })]);
    expect(result.submitted).toBe(0);
  });
});

describe('SubmitSurge: allocation', () => {
  it('one bed, two patients: the EMERGENCY one gets it, the older ROUTINE one escalates; greedy would have given it to the older', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp');
    addPatient(w, 'pat-3', 'hosp');
    const { result, asked } = await surge(w, [item('pat-2'), item('pat-3', { urgency: 'EMERGENCY', referralId: 'ref-e' })], { places: [place({})] });
    expect(result).toEqual({
      dryRun: false,
      submitted: 2,
      greedyPlaced: 1,
      freeBeds: 1,
      errors: [],
      placed: 1,
      escalated: 1,
      allocations: [
        {
          index: 0,
          referralId: expect.any(String),
          outcome: 'ESCALATED',
          state: 'ESCALATED',
          bedId: null,
          programmeId: null,
          institutionId: null,
          reason: expect.any(String),
          greedyBedId: 'sb-1',
          greedyProgrammeId: null,
          greedyInstitutionId: 'cc1',
        },
        {
          index: 1,
          referralId: 'ref-e',
          outcome: 'OFFERED',
          state: 'OFFERED',
          bedId: 'sb-1',
          programmeId: null,
          institutionId: 'cc1',
          reason: null,
          greedyBedId: null,
          greedyProgrammeId: null,
          greedyInstitutionId: null,
        },
      ],
    });
    // the same needs are asked once
    expect(asked).toHaveLength(1);
    const offered = referralOf(w, 'ref-e');
    expect(offered.props).toMatchObject({ strategy: 'CASCADE', fanout: 1, urgency: 'EMERGENCY', originInstitutionId: 'hosp' });
    // EMERGENCY: the district's 15 min window
    expect(offered.liveOffers).toEqual([
      expect.objectContaining({ targetInstitutionId: 'cc1', targetBedId: 'sb-1', deadlineAt: new Date(T0.getTime() + 15 * 60_000) }),
    ]);
    const escalated = referralOf(w, result.allocations[0].referralId);
    expect(escalated.state).toBe('ESCALATED');
    expect(escalated.props.offers).toEqual([]);
    expect(w.events.filter((e) => e === 'ReferralDrafted')).toHaveLength(2);
    expect(w.events).toContain('OfferExtended');
    expect(w.events).toContain('ReferralEscalated');
  });

  it('the district is told whether no place could serve a referral or the places went to higher priority', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp');
    addPatient(w, 'pat-3', 'hosp');
    addPatient(w, 'pat-4', 'hosp');
    const { result, asked } = await surge(w, [item('pat-2'), item('pat-3', { urgency: 'URGENT' }), item('pat-4', { requestedKind: 'HOSPICE' })], {
      places: [place({})],
    });
    // two sets of needs (COMMUNITY, HOSPICE): two questions
    expect(asked.map((a) => a.needs.kind)).toEqual(['COMMUNITY', 'HOSPICE']);
    const [outranked, placed, unserved] = result.allocations;
    expect(placed).toMatchObject({ outcome: 'OFFERED', bedId: 'sb-1' });
    // a reason each (not empty), and not the same one
    expect(outranked).toMatchObject({ outcome: 'ESCALATED', reason: expect.stringMatching(/\S/) });
    expect(unserved).toMatchObject({ outcome: 'ESCALATED', reason: expect.stringMatching(/\S/) });
    expect(outranked.reason).not.toBe(unserved.reason);
    expect(referralOf(w, outranked.referralId).props.stateReason).toBe(outranked.reason);
    expect(referralOf(w, unserved.referralId).props.stateReason).toBe(unserved.reason);
  });

  it('a place the domain rule refuses is never allocated, even when the matcher answers it', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp');
    addPatient(w, 'pat-3', 'hosp');
    const places = [
      place({ bedId: 'taken', free: false }),
      place({ bedId: 'own', institutionId: 'hosp', institutionType: 'REGIONAL_MEDICAL_CENTRE' }),
      place({}),
    ];
    const { result } = await surge(w, [item('pat-2'), item('pat-3')], { places });
    expect(result.freeBeds).toBe(3);
    expect(result.allocations.map((a: any) => [a.bedId, a.greedyBedId])).toEqual([
      ['sb-1', 'sb-1'],
      [null, null],
    ]);
    expect(result).toMatchObject({ placed: 1, escalated: 1, greedyPlaced: 1 });
  });

  it('the needs asked for are the referral’s and the patient’s: sorted services, sex, assessed grade, family doctor, home', async () => {
    const w = world();
    const home = { areaCode: '310104', lat: 31.2, lng: 121.4 };
    addPatient(w, 'pat-2', 'hosp', { sex: 'M', assessment: assessment(3), familyDoctorInstitutionId: 'cc1', home });
    addPatient(w, 'pat-3', 'hosp', { sex: 'M', assessment: assessment(3), familyDoctorInstitutionId: 'cc1', home });
    const places = [
      place({ services: ['NURSING'] }),
      place({ bedId: 'sb-2', services: ['NURSING', 'REHAB'], sexRestriction: 'F' }),
      place({ bedId: 'sb-3', services: ['NURSING', 'REHAB'] }),
    ];
    const { result, asked } = await surge(
      w,
      [item('pat-2', { services: ['REHAB', 'NURSING'], careLevel: 1 }), item('pat-3', { services: ['NURSING', 'REHAB'] })],
      { places },
    );
    expect(asked).toEqual([
      {
        limit: 20_000,
        needs: {
          kind: 'COMMUNITY',
          services: ['NURSING', 'REHAB'],
          sex: 'M',
          careLevel: 3,
          originInstitutionId: 'hosp',
          originLat: null,
          originLng: null,
          familyDoctorInstitutionId: 'cc1',
          homeLat: 31.2,
          homeLng: 121.4,
          homeAreaCode: '310104',
          districtId: DISTRICT,
          direction: 'DOWNWARD',
          cooperationDefault: 'SAME_DISTRICT_ALLOWED',
        },
      },
    ]);
    // sb-1 lacks REHAB, sb-2 is for women: only sb-3 serves them
    expect(result.allocations.map((a: any) => a.bedId)).toEqual(['sb-3', null]);
    expect(referralOf(w, result.allocations[0].referralId).props).toMatchObject({ careLevel: 3, services: ['REHAB', 'NURSING'] });
  });

  it('without a care relationship to a family doctor or a home, the needs say null, and the district rule is passed on', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp');
    const policy: Policy = { forDistrict: async (id) => ({ ...defaultPolicy(id), referral: { sameDistrictWithoutAgreement: false } }) };
    const { result, asked } = await surge(w, [item('pat-2', { careLevel: 2 })], { places: [place({}), place({ bedId: 'sb-2', hasAgreement: true })], policy });
    expect(asked[0].needs).toMatchObject({
      sex: 'F',
      careLevel: 2,
      familyDoctorInstitutionId: null,
      homeLat: null,
      homeLng: null,
      homeAreaCode: null,
      cooperationDefault: 'AGREEMENT_REQUIRED',
    });
    // without an agreement the route is refused: only the agreed bed is allocated
    expect(result.allocations[0].bedId).toBe('sb-2');
  });

  it('a home programme takes as many patients as it has free slots', async () => {
    const w = world();
    for (const id of ['pat-2', 'pat-3', 'pat-4']) addPatient(w, id, 'hosp');
    const slot = place({ bedId: null, programmeId: 'prog-1', kind: 'HOME_SICKBED' });
    const { result } = await surge(
      w,
      [1, 2, 3].map((n) => item(`pat-${n + 1}`, { requestedKind: 'HOME_SICKBED' })),
      { places: [slot, slot] },
    );
    expect(result).toMatchObject({ freeBeds: 2, placed: 2, escalated: 1, greedyPlaced: 2 });
    expect(result.allocations.map((a: any) => [a.outcome, a.programmeId, a.bedId, a.institutionId])).toEqual([
      ['OFFERED', 'prog-1', null, 'cc1'],
      ['OFFERED', 'prog-1', null, 'cc1'],
      ['ESCALATED', null, null, null],
    ]);
    expect(referralOf(w, result.allocations[1].referralId).liveOffers).toEqual([expect.objectContaining({ targetProgrammeId: 'prog-1', targetBedId: null })]);
  });

  it('a dry run over a home programme names the programme, not the slot key it allocated by (it answered "prog-1#1" as a bed id)', async () => {
    const w = world();
    for (const id of ['pat-2', 'pat-3']) addPatient(w, id, 'hosp');
    const slot = place({ bedId: null, programmeId: 'prog-1', kind: 'HOME_SICKBED' });
    const { result } = await surge(
      w,
      ['pat-2', 'pat-3'].map((p) => item(p, { requestedKind: 'HOME_SICKBED' })),
      { places: [slot, slot], dryRun: true },
    );
    expect(result.allocations.map((a: any) => [a.outcome, a.bedId, a.programmeId, a.greedyBedId, a.greedyProgrammeId, a.greedyInstitutionId])).toEqual([
      ['OFFERED', null, 'prog-1', null, 'prog-1', 'cc1'],
      ['OFFERED', null, 'prog-1', null, 'prog-1', 'cc1'],
    ]);
    expect(referralsIn(w)).toEqual([]);
  });

  it('what each draft keeps: the given id, origin bed and kind, arrival, consent; the assessed grade over the typed one', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp', { assessment: assessment(4) });
    addPatient(w, 'pat-3', 'hosp');
    addBed(w, 'obed-2', 'hosp');
    const arrival = new Date(T0.getTime() + 86_400_000);
    const { result } = await surge(w, [
      item('pat-2', { referralId: 'ref-s', originBedId: 'obed-2', careLevel: 1, expectedArrival: arrival.toISOString() }),
      item('pat-3', { originKind: 'HOSPICE', careLevel: 2 }),
    ]);
    expect(referralOf(w, 'ref-s').props).toMatchObject({
      patientId: 'pat-2',
      districtId: DISTRICT,
      originBedId: 'obed-2',
      originKind: 'HOSPITAL',
      careLevel: 4,
      expectedArrival: arrival,
      consent: true,
      strategy: 'CASCADE',
    });
    const other = referralOf(w, result.allocations[1].referralId);
    expect(other.props).toMatchObject({ originBedId: null, originKind: 'HOSPICE', careLevel: 2, expectedArrival: null, direction: 'LATERAL' });
    expect(other.id).not.toBe('ref-s');
  });

  it('FLAG: a flagged item never takes a place, not even in the greedy baseline; the eligible one gets it', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp');
    addPatient(w, 'pat-3', 'hosp', { assessment: assessment(3) });
    const policy: Policy = { forDistrict: async (id) => ({ ...defaultPolicy(id), eligibility: { ...defaultPolicy(id).eligibility, onFailure: 'FLAG' } }) };
    const care = place({ institutionId: 'ch1', bedId: 'cb-1', kind: 'CARE_HOME', institutionType: 'ELDERLY_CARE_INSTITUTION' });
    const { result } = await surge(w, [item('pat-2', { requestedKind: 'CARE_HOME' }), item('pat-3', { requestedKind: 'CARE_HOME' })], {
      places: [care],
      policy,
    });
    expect(result.allocations).toEqual([
      expect.objectContaining({
        index: 0,
        outcome: 'ESCALATED',
        state: 'ESCALATED',
        bedId: null,
        greedyBedId: null,
        reason: expect.stringContaining('CARE_GRADE_MISSING'),
      }),
      expect.objectContaining({ index: 1, outcome: 'OFFERED', bedId: 'cb-1', greedyBedId: 'cb-1', greedyInstitutionId: 'ch1' }),
    ]);
    expect(result).toMatchObject({ placed: 1, escalated: 1, greedyPlaced: 1 });
  });

  it('a dry run answers the plan, places included, and stores nothing', async () => {
    const w = world();
    addPatient(w, 'pat-2', 'hosp');
    addPatient(w, 'pat-3', 'hosp');
    const { result } = await surge(w, [item('pat-2'), item('pat-3', { urgency: 'URGENT' })], { places: [place({})], dryRun: true });
    expect(result).toEqual({
      dryRun: true,
      submitted: 2,
      greedyPlaced: 1,
      freeBeds: 1,
      errors: [],
      placed: 1,
      escalated: 1,
      allocations: [
        {
          index: 0,
          referralId: null,
          outcome: 'ESCALATED',
          state: null,
          bedId: null,
          programmeId: null,
          institutionId: null,
          reason: expect.any(String),
          greedyBedId: 'sb-1',
          greedyProgrammeId: null,
          greedyInstitutionId: 'cc1',
        },
        {
          index: 1,
          referralId: null,
          outcome: 'OFFERED',
          state: null,
          bedId: 'sb-1',
          programmeId: null,
          institutionId: 'cc1',
          reason: null,
          greedyBedId: null,
          greedyProgrammeId: null,
          greedyInstitutionId: null,
        },
      ],
    });
    expect(referralsIn(w)).toEqual([]);
    expect(w.events).toEqual([]);
  });
});
