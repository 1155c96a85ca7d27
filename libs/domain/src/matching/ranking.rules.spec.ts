import { CandidateFacts, capabilityMismatch, haversineKm, MatchNeeds, placeRefusal, rankCandidates } from './ranking';

/**
 * The rules of "can this place take the patient" and "how far is it", written from their meaning:
 * a capability is a gate (kind, services, sex, care-grade range, ends included); what is unknown
 * about the patient is not held against them; a home programme is measured from the patient's home,
 * and serves its area codes or its radius (either suffices).
 */
const needs = (over: Partial<MatchNeeds> = {}): MatchNeeds => ({
  kind: 'COMMUNITY',
  services: ['REHAB'],
  sex: 'F',
  careLevel: 3,
  originInstitutionId: 'hosp',
  originLat: 31.2,
  originLng: 121.4,
  familyDoctorInstitutionId: null,
  districtId: 'd',
  direction: 'DOWNWARD',
  cooperationDefault: 'SAME_DISTRICT_ALLOWED',
  ...over,
});
const place = (over: Partial<CandidateFacts> = {}): CandidateFacts => ({
  institutionId: 'cc1',
  bedId: 'b1',
  programmeId: null,
  kind: 'COMMUNITY',
  services: ['REHAB'],
  sexRestriction: null,
  minCareLevel: null,
  maxCareLevel: null,
  isolationCapable: false,
  lat: 31.2,
  lng: 121.4,
  hasAgreement: true,
  load: 0,
  institutionType: 'COMMUNITY_HEALTH_CENTRE',
  districtId: 'd',
  free: true,
  ...over,
});
/** A home-sickbed programme of a community centre. */
const programme = (over: Partial<CandidateFacts> = {}) =>
  place({ kind: 'HOME_SICKBED', bedId: null, programmeId: 'prog1', services: [], radiusKm: null, areaCodes: [], ...over });
const homeNeeds = (over: Partial<MatchNeeds> = {}) => needs({ kind: 'HOME_SICKBED', services: [], ...over });
const takes = (n: Pick<MatchNeeds, 'kind' | 'services' | 'sex' | 'careLevel'>, c: CandidateFacts) => capabilityMismatch(n, c) === null;
/** One degree of latitude, in km, on the sphere the engine measures on (R = 6371 km). */
const DEG_KM = (6371 * Math.PI) / 180;

describe('haversineKm', () => {
  it('a degree along a meridian is the same everywhere; along a parallel it shrinks with the cosine of the latitude', () => {
    expect(haversineKm(31, 121, 32, 121)).toBeCloseTo(DEG_KM, 3);
    expect(haversineKm(0, 10, 0, 11)).toBeCloseTo(DEG_KM, 3);
    expect(haversineKm(60, 10, 60, 11)).toBeCloseTo(DEG_KM * Math.cos(Math.PI / 3), 1);
    expect(haversineKm(31.2, 121.4, 31.2, 121.4)).toBe(0);
    expect(haversineKm(31, 121, 32, 122)).toBeCloseTo(haversineKm(32, 122, 31, 121), 9);
  });

  it('between two latitudes, agrees with the spherical law of cosines', () => {
    const rad = Math.PI / 180;
    const lawOfCosines = (la1: number, lo1: number, la2: number, lo2: number) =>
      6371 * Math.acos(Math.sin(la1 * rad) * Math.sin(la2 * rad) + Math.cos(la1 * rad) * Math.cos(la2 * rad) * Math.cos((lo2 - lo1) * rad));
    for (const [la1, lo1, la2, lo2] of [
      [30, 120, 40, 130],
      [31.23, 121.47, 39.9, 116.4],
      [10, 0, 70, 5],
    ])
      expect(haversineKm(la1, lo1, la2, lo2)).toBeCloseTo(lawOfCosines(la1, lo1, la2, lo2), 3);
  });
});

describe('capabilityMismatch: a gate', () => {
  it('a place of another kind cannot take the patient, even with every service', () => {
    expect(takes(needs(), place({ kind: 'HOSPICE' }))).toBe(false);
    expect(takes(needs({ kind: 'HOSPICE' }), place({ kind: 'HOSPICE' }))).toBe(true);
  });

  it('every service needed must be offered', () => {
    expect(takes(needs({ services: ['REHAB', 'OXYGEN'] }), place({ services: ['REHAB'] }))).toBe(false);
    expect(takes(needs({ services: ['REHAB', 'OXYGEN'] }), place({ services: ['OXYGEN', 'REHAB', 'NURSING'] }))).toBe(true);
  });

  it('a sex restriction refuses the other sex only; an unknown sex is not held against the patient', () => {
    expect(takes(needs({ sex: 'F' }), place({ sexRestriction: 'M' }))).toBe(false);
    expect(takes(needs({ sex: 'F' }), place({ sexRestriction: 'F' }))).toBe(true);
    expect(takes(needs({ sex: 'M' }), place({ sexRestriction: null }))).toBe(true);
    expect(takes(needs({ sex: null }), place({ sexRestriction: 'M' }))).toBe(true);
  });

  it('the care-grade range includes its ends; an unknown grade is not held against the patient', () => {
    expect(takes(needs({ careLevel: 3 }), place({ minCareLevel: 3 }))).toBe(true);
    expect(takes(needs({ careLevel: 3 }), place({ minCareLevel: 4 }))).toBe(false);
    expect(takes(needs({ careLevel: 3 }), place({ maxCareLevel: 3 }))).toBe(true);
    expect(takes(needs({ careLevel: 3 }), place({ maxCareLevel: 2 }))).toBe(false);
    expect(takes(needs({ careLevel: 3 }), place({ minCareLevel: 2, maxCareLevel: 4 }))).toBe(true);
    expect(takes(needs({ careLevel: 0 }), place({ minCareLevel: 0, maxCareLevel: 0 }))).toBe(true);
    expect(takes(needs({ careLevel: null }), place({ minCareLevel: 4, maxCareLevel: 2 }))).toBe(true);
  });
});

describe('distance of a home programme', () => {
  // the patient's home is at the programme's centre, the referring hospital about 11 km north
  const home = { homeLat: 31.1, homeLng: 121.4 };
  const prog = programme({ lat: 31.1, lng: 121.4, radiusKm: 5 });

  it('is measured from the patient’s home when it is known, not from the referring institution', () => {
    const [r] = rankCandidates(homeNeeds({ ...home }), [prog]);
    expect(r.distanceKm).toBe(0);
  });

  it('falls back to the referring institution when the home is not fully known', () => {
    expect(rankCandidates(homeNeeds({ homeLat: 31.1, homeLng: null }), [programme({ lat: 31.1, lng: 121.4, radiusKm: 50 })])[0].distanceKm).toBeCloseTo(
      0.1 * DEG_KM,
      1,
    );
    expect(rankCandidates(homeNeeds({ homeLat: null, homeLng: 121.4 }), [programme({ lat: 31.1, lng: 121.4, radiusKm: 50 })])[0].distanceKm).toBeCloseTo(
      0.1 * DEG_KM,
      1,
    );
    expect(rankCandidates(homeNeeds(), [programme({ lat: 31.1, lng: 121.4, radiusKm: 50 })])[0].distanceKm).toBeCloseTo(0.1 * DEG_KM, 1);
  });

  it('a physical bed is measured from where the patient is now, whatever the home', () => {
    const [r] = rankCandidates(needs({ ...home }), [place({ lat: 31.1, lng: 121.4 })]);
    expect(r.distanceKm).toBeCloseTo(0.1 * DEG_KM, 1);
  });

  it('the radius is judged from the home: a programme around the home serves a patient referred from far away', () => {
    expect(placeRefusal(homeNeeds({ ...home }), prog)).toBeNull();
    expect(placeRefusal(homeNeeds(), prog)).not.toBeNull(); // home unknown: 11 km from the hospital, radius 5
  });
});

describe('service area of a home programme: area codes or radius, either suffices', () => {
  const far = { homeLat: 31.3, homeLng: 121.4, homeAreaCode: '310106' }; // ~22 km from the programme
  const at = { lat: 31.1, lng: 121.4 };

  it('a patient in one of its area codes is served however far', () => {
    expect(placeRefusal(homeNeeds(far), programme({ ...at, areaCodes: ['310101', '310106'] }))).toBeNull();
    expect(placeRefusal(homeNeeds(far), programme({ ...at, areaCodes: ['310106'], radiusKm: 1 }))).toBeNull();
  });

  it('a patient in another area code is refused when there is no radius, or the home is beyond it', () => {
    expect(placeRefusal(homeNeeds(far), programme({ ...at, areaCodes: ['310101'] }))).not.toBeNull();
    expect(placeRefusal(homeNeeds(far), programme({ ...at, areaCodes: ['310101'], radiusKm: 10 }))).not.toBeNull();
  });

  it('a patient in another area code but within the radius is served', () => {
    expect(placeRefusal(homeNeeds(far), programme({ ...at, areaCodes: ['310101'], radiusKm: 30 }))).toBeNull();
  });

  it('a patient whose area code or home is unknown is not refused for it: the receiver judges', () => {
    expect(placeRefusal(homeNeeds({ homeAreaCode: null }), programme({ ...at, areaCodes: ['310101'] }))).toBeNull();
    expect(placeRefusal(homeNeeds({ homeAreaCode: '310106', originLat: null, originLng: null }), programme({ ...at, radiusKm: 1 }))).toBeNull();
    expect(
      placeRefusal(homeNeeds({ homeAreaCode: '310106', originLat: null, originLng: null }), programme({ ...at, areaCodes: ['310101'], radiusKm: 1 })),
    ).not.toBeNull();
  });

  it('a programme with neither codes nor radius serves anyone', () => {
    expect(placeRefusal(homeNeeds(far), programme({ ...at }))).toBeNull();
  });
});

describe('ranking order and points', () => {
  const pts = (r: { explanation: { factor: string; points: number }[] }, factor: string) => r.explanation.find((f) => f.factor === factor)?.points;
  /** A bed `km` kilometres due north of the referring hospital. */
  const north = (km: number, over: Partial<CandidateFacts> = {}) => place({ lat: 31.2 + km / DEG_KM, lng: 121.4, ...over });

  it('distance points fall linearly from 25 at the door to none at 20 km, and never below none', () => {
    expect(pts(rankCandidates(needs(), [north(0)])[0], 'distance')).toBe(25);
    expect(pts(rankCandidates(needs(), [north(10)])[0], 'distance')).toBeCloseTo(12.5, 1);
    expect(pts(rankCandidates(needs(), [north(15)])[0], 'distance')).toBeCloseTo(6.25, 1);
    expect(pts(rankCandidates(needs(), [north(30)])[0], 'distance')).toBe(0);
  });

  it('equal scores: the nearer place first, then the lower id', () => {
    const order = rankCandidates(needs(), [north(30, { bedId: 'b-far' }), north(25, { bedId: 'b-near' })]).map((r) => r.bedId);
    expect(order).toEqual(['b-near', 'b-far']);
    const same = rankCandidates(needs(), [north(5, { bedId: 'b-2' }), north(5, { bedId: 'b-1' }), north(5, { bedId: 'b-3' })]).map((r) => r.bedId);
    expect(same).toEqual(['b-1', 'b-2', 'b-3']);
  });

  it('returns at most `limit` places, ten unless told', () => {
    const many = Array.from({ length: 12 }, (_, i) => north(i, { bedId: `b-${String(i).padStart(2, '0')}` }));
    expect(rankCandidates(needs(), many)).toHaveLength(10);
    expect(rankCandidates(needs(), many, 3).map((r) => r.bedId)).toEqual(['b-00', 'b-01', 'b-02']);
  });

  it('a physical bed has no service area: a radius on its facts does not refuse a far patient', () => {
    expect(placeRefusal(needs(), north(30, { radiusKm: 1 }))).toBeNull();
    expect(placeRefusal(needs({ homeAreaCode: '310106' }), north(30, { radiusKm: 1, areaCodes: ['310101'] }))).toBeNull();
  });
});
