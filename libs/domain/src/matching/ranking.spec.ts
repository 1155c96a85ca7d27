import { CandidateFacts, capabilityMismatch, haversineKm, MatchNeeds, placeRefusal, rankCandidates } from './ranking';

const needs: MatchNeeds = {
  kind: 'COMMUNITY',
  services: ['REHAB'],
  sex: 'F',
  careLevel: 3,
  originInstitutionId: 'hosp',
  originLat: 31.229,
  originLng: 121.448,
  familyDoctorInstitutionId: null,
  districtId: 'd',
  direction: 'DOWNWARD',
  cooperationDefault: 'SAME_DISTRICT_ALLOWED',
};
const bed = (over: Partial<CandidateFacts>): CandidateFacts => ({
  institutionId: 'x',
  bedId: 'b-x',
  programmeId: null,
  kind: 'COMMUNITY',
  services: ['REHAB'],
  sexRestriction: null,
  minCareLevel: null,
  maxCareLevel: null,
  isolationCapable: false,
  lat: 31.23,
  lng: 121.45,
  hasAgreement: false,
  load: 0.5,
  institutionType: 'COMMUNITY_HEALTH_CENTRE',
  districtId: 'd',
  free: true,
  ...over,
});

describe('rankCandidates', () => {
  it('family-doctor centre 3 km away beats an equal centre next door; near beats far; agreed and idle beat unagreed and busy', () => {
    const near = bed({ institutionId: 'near', bedId: 'b-near', lat: 31.232, lng: 121.449, hasAgreement: true, load: 0.1 });
    const far = bed({ institutionId: 'far', bedId: 'b-far', lat: 31.33, lng: 121.55, hasAgreement: true, load: 0.1 });
    const busy = bed({ institutionId: 'busy', bedId: 'b-busy', lat: 31.232, lng: 121.449, hasAgreement: false, load: 0.95 });
    const noRehab = bed({ institutionId: 'norehab', bedId: 'b-nr', services: ['NURSING'], lat: 31.229, lng: 121.448, hasAgreement: true, load: 0 });
    const male = bed({ institutionId: 'male', bedId: 'b-m', sexRestriction: 'M', hasAgreement: true, load: 0 });
    const fd = bed({ institutionId: 'fd', bedId: 'b-fd', lat: 31.25, lng: 121.47, hasAgreement: true, load: 0.3 });
    const ranked = rankCandidates({ ...needs, familyDoctorInstitutionId: 'fd' }, [far, busy, noRehab, near, male, fd]);
    expect(ranked.map((r) => r.institutionId)).toEqual(['fd', 'near', 'far', 'busy']);
    expect(ranked[0].explanation.map((f) => f.factor)).toEqual(['capability', 'distance', 'agreement', 'familyDoctor', 'load']);
    expect(ranked[0].explanation.find((f) => f.factor === 'distance')!.detail).toMatch(/km from the referring institution/);
    expect(ranked[0].explanation.find((f) => f.factor === 'familyDoctor')!.points).toBe(10);
    expect(ranked[1].explanation.find((f) => f.factor === 'familyDoctor')!.points).toBe(0);
    expect(ranked[0].score).toBe(ranked[0].explanation.reduce((s, f) => s + f.points, 0));
  });

  it('excludes beds that cannot take the patient, and programmes whose area does not reach the origin', () => {
    expect(capabilityMismatch(needs, bed({ minCareLevel: 4 }))).toMatch(/care grade 4\+/);
    expect(capabilityMismatch({ ...needs, services: ['ISOLATION'] }, bed({ isolationCapable: false }))).toBe('cannot isolate');
    const prog = bed({ kind: 'HOME_SICKBED', bedId: null, programmeId: 'p1', radiusKm: 1, lat: 31.3, lng: 121.5 });
    expect(rankCandidates({ ...needs, kind: 'HOME_SICKBED' }, [prog])).toEqual([]);
    expect(rankCandidates({ ...needs, kind: 'HOME_SICKBED' }, [{ ...prog, radiusKm: 50 }])).toHaveLength(1);
  });

  it('haversine: 1 degree of latitude is about 111 km', () => {
    expect(haversineKm(31, 121, 32, 121)).toBeCloseTo(111.2, 0);
  });
});

describe('placeRefusal: one rule for every path that promises a place', () => {
  it('refuses the origin, a type that cannot hold the kind, a route without agreement or district rule, and a place that is not free', () => {
    expect(placeRefusal(needs, bed({}))).toBeNull();
    expect(placeRefusal(needs, bed({ institutionId: 'hosp' }))).toBe('is the referring institution');
    expect(placeRefusal(needs, bed({ institutionType: 'ELDERLY_CARE_INSTITUTION' }))).toMatch(/holds no COMMUNITY/);
    expect(placeRefusal(needs, bed({ districtId: 'other' }))).toMatch(/no cooperation agreement/);
    expect(placeRefusal(needs, bed({ districtId: 'other', hasAgreement: true }))).toBeNull();
    expect(placeRefusal({ ...needs, cooperationDefault: 'AGREEMENT_REQUIRED' }, bed({}))).toMatch(/no cooperation agreement/);
    expect(placeRefusal(needs, bed({ free: false }))).toBe('is not free');
    expect(placeRefusal(needs, bed({ services: ['NURSING'] }))).toMatch(/lacks REHAB/);
    // ranking never scores what the rule refuses
    expect(rankCandidates(needs, [bed({ institutionId: 'hosp' }), bed({ free: false }), bed({ institutionId: 'ok' })]).map((r) => r.institutionId)).toEqual([
      'ok',
    ]);
  });
});

describe("the patient's and family's choice", () => {
  const near = bed({ institutionId: 'near', bedId: 'b-near', lat: 31.232, lng: 121.449 });
  const far = bed({ institutionId: 'far', bedId: 'b-far', lat: 31.33, lng: 121.55 });
  const other = bed({ institutionId: 'other', bedId: 'b-other', lat: 31.233, lng: 121.449 });
  const prefs = (over: Partial<NonNullable<MatchNeeds['preferences']>>) => ({
    ...needs,
    preferences: { ranked: [], excluded: [], near: null, expressedBy: 'FAMILY' as const, ...over },
  });

  it('an excluded place is never a candidate, and says why', () => {
    const n = prefs({ excluded: ['near'] });
    expect(rankCandidates(n, [near, far]).map((c) => c.institutionId)).toEqual(['far']);
    expect(placeRefusal(n, near)).toBe('was excluded by the family');
  });

  it("the family's first choice outranks a closer place, and the explanation names it", () => {
    const [first, second] = rankCandidates(prefs({ ranked: ['far'] }), [near, far]);
    expect(first.institutionId).toBe('far');
    expect(first.explanation.find((f) => f.factor === 'choice')).toEqual({ factor: 'choice', points: 20, max: 20, detail: "the family's choice no. 1" });
    expect(second.explanation.find((f) => f.factor === 'choice')?.detail).toBe("not among the family's choices");
  });

  it('close to the family: distance is scored from their home, not from the hospital', () => {
    const n = prefs({ near: { of: 'FAMILY', lat: 31.33, lng: 121.55 } });
    const [first] = rankCandidates(n, [near, far, other]);
    expect(first.institutionId).toBe('far');
    expect(first.explanation.find((f) => f.factor === 'distance')?.detail).toMatch(/from the family's home$/);
  });

  it('no choice recorded: no choice factor, ranking unchanged', () => {
    expect(rankCandidates(needs, [near, far])[0].explanation.some((f) => f.factor === 'choice')).toBe(false);
  });
});

describe('home programmes are matched from the patient’s home', () => {
  const home = { ...needs, kind: 'HOME_SICKBED' as const, homeLat: 31.3, homeLng: 121.5, homeAreaCode: 'JA-07' };
  const prog = (over: Partial<CandidateFacts>): CandidateFacts =>
    bed({ bedId: null, programmeId: `p-${over.institutionId}`, kind: 'HOME_SICKBED', radiusKm: null, areaCodes: [], ...over });

  it('ranks the programme nearer the home first, though the other is nearer the hospital', () => {
    const nearHospital = prog({ institutionId: 'near-hospital', lat: 31.229, lng: 121.449 });
    const nearHome = prog({ institutionId: 'near-home', lat: 31.301, lng: 121.5 });
    expect(rankCandidates(home, [nearHospital, nearHome]).map((c) => c.institutionId)).toEqual(['near-home', 'near-hospital']);
    // without a known home, the referring institution is the reference as before
    expect(rankCandidates({ ...home, homeLat: null, homeLng: null }, [nearHospital, nearHome])[0].institutionId).toBe('near-hospital');
  });

  it('honours areaCodes: a listed code or the radius suffices; a known code outside both is refused', () => {
    expect(placeRefusal(home, prog({ institutionId: 'a', areaCodes: ['JA-07'], radiusKm: 1, lat: 31.0, lng: 121.0 }))).toBeNull();
    expect(placeRefusal(home, prog({ institutionId: 'b', areaCodes: ['JA-01'], radiusKm: null }))).toMatch(/area codes JA-01/);
    expect(placeRefusal(home, prog({ institutionId: 'c', areaCodes: ['JA-01'], radiusKm: 50 }))).toBeNull();
    expect(placeRefusal({ ...home, homeAreaCode: null }, prog({ institutionId: 'd', areaCodes: ['JA-01'] }))).toBeNull();
    // the radius is measured from the home
    expect(placeRefusal(home, prog({ institutionId: 'e', radiusKm: 3, lat: 31.229, lng: 121.449 }))).toMatch(/3 km/);
  });
});
