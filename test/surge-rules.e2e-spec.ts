import { defaultPolicy } from '@bedlink/domain';
import { addDays, shanghaiDay } from './support/dates';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { pick } from './support/stays';

jest.setTimeout(180_000);

type District = Awaited<ReturnType<typeof smallDistrict>>;

/**
 * A surge follows the same rules as a single referral: the district's eligibility policy (FLAG
 * sends an ineligible patient to the coordinator unplaced, whatever their urgency), cooperation
 * agreements (in force, in scope) when the district requires them, and home programmes (their free
 * slots, reached from the patient's home, their area codes honoured). Fixtures picked at run time.
 */
describe('Surge honours FLAG, agreements and home programmes', () => {
  let e: Engine;
  let districts = 0;
  beforeAll(async () => {
    e = await startEngine();
  });
  afterAll(() => e?.close());
  const fresh = () => smallDistrict(e, `sr${++districts}x${Math.floor(Math.random() * 1e5)}`);

  const setPolicy = async (d: District, change: (doc: any) => any) => {
    const doc = change(await ok(d.dc.get(`/districts/${d.district}/policy`), 'policy'));
    await ok(d.dc.raw('PUT', `/districts/${d.district}/policy`, doc), 'policy');
    await new Promise((r) => setTimeout(r, 2100)); // the processes' policy cache (2 s)
  };
  const item = (patientId: string, kind: string, services: string[], urgency = 'ROUTINE') => ({
    patientId,
    requestedKind: kind,
    services,
    urgency,
    clinicalSummary: 'surge discharge',
    consent: true,
  });

  it('FLAG: an ineligible EMERGENCY patient goes to the coordinator unplaced; the eligible ROUTINE one gets the only bed', async () => {
    const d = await fresh();
    await setPolicy(d, (doc) => ({ ...doc, eligibility: { ...doc.eligibility, onFailure: 'FLAG' } }));
    // one care bed left, picked at run time
    const [keep, close] = pick([d.careBeds[0], d.careBeds[1]], [d.careBeds[1], d.careBeds[0]]);
    await ok(d.carec.post(`/beds/${close}/status`, { command: 'Close', reason: 'surge story' }), 'close');
    const ineligible = await d.patient(
      d.planner,
      pick<Record<string, unknown>>(d.assessed(1), {}, d.assessed(4, { assessedOn: '2020-01-01', expiresOn: '2022-01-01' })),
    );
    const eligible = await d.patient(d.planner, d.assessed(4));
    const res = await ok(
      d.planner.post('/referrals/surge', { referrals: [item(ineligible, 'CARE_HOME', ['NURSING'], 'EMERGENCY'), item(eligible, 'CARE_HOME', ['NURSING'])] }),
      'surge',
    );
    expect(res).toMatchObject({ submitted: 2, placed: 1, escalated: 1, errors: [] });
    const [flagged, placed] = [res.allocations.find((a: any) => a.index === 0), res.allocations.find((a: any) => a.index === 1)];
    expect(flagged).toMatchObject({ state: 'ESCALATED', bedId: null, reason: expect.stringMatching(/^CARE_GRADE_(INELIGIBLE|MISSING|EXPIRED)/) });
    expect(placed).toMatchObject({ state: 'OFFERED', bedId: keep });
    // under REFUSE (the default) the same patient is an error of the batch, not a referral
    await setPolicy(d, (doc) => ({ ...doc, eligibility: { ...doc.eligibility, onFailure: 'REFUSE' } }));
    const again = await ok(
      d.planner.post('/referrals/surge', { referrals: [item(await d.patient(d.planner, d.assessed(1)), 'CARE_HOME', ['NURSING'])] }),
      'surge',
    );
    expect(again).toMatchObject({ submitted: 0, errors: [{ index: 0, code: 'CARE_GRADE_INELIGIBLE' }] });
  });

  it('agreements: when the district requires them, only the centre with one in force and in scope receives surge patients', async () => {
    const d = await fresh();
    await setPolicy(d, (doc) => ({ ...doc, referral: { ...doc.referral, sameDistrictWithoutAgreement: false } }));
    const [agreed, expired] = pick([d.cc1, d.cc2] as const, [d.cc2, d.cc1] as const);
    const agreedBeds = agreed === d.cc1 ? d.cc1Beds : d.cc2Beds;
    await ok(d.dc.post('/agreements', { fromInstitutionId: d.hospital, toInstitutionId: agreed, kinds: ['COMMUNITY'], services: ['REHAB'] }), 'agreement');
    await ok(
      d.dc.post('/agreements', {
        fromInstitutionId: d.hospital,
        toInstitutionId: expired,
        kinds: ['COMMUNITY'],
        validFrom: addDays(shanghaiDay(), -400),
        validUntil: addDays(shanghaiDay(), -1),
      }),
      'expired agreement',
    );
    const n = agreedBeds.length + 2;
    const referrals = [];
    for (let i = 0; i < n; i++) referrals.push(item(await d.patient(), 'COMMUNITY', ['REHAB'], i === 0 ? 'EMERGENCY' : 'URGENT'));
    const res = await ok(d.planner.post('/referrals/surge', { referrals }), 'surge');
    expect(res).toMatchObject({ submitted: n, placed: agreedBeds.length, escalated: 2, freeBeds: agreedBeds.length });
    const to = res.allocations.filter((a: any) => a.bedId);
    expect(to.every((a: any) => a.institutionId === agreed)).toBe(true);
    expect(to.map((a: any) => a.bedId).sort()).toEqual([...agreedBeds].sort());
    expect(res.allocations.find((a: any) => a.index === 0).bedId).not.toBeNull(); // EMERGENCY first
    // an agreement out of its service scope routes nothing either
    const nursing = await ok(d.planner.post('/referrals/surge', { referrals: [item(await d.patient(), 'COMMUNITY', ['NURSING'])] }), 'surge');
    expect(nursing).toMatchObject({ placed: 0, escalated: 1 });
  });

  it('home programmes: a surge fills free slots, never more, reached from the home; a programme outside the area codes gets nobody', async () => {
    const d = await fresh();
    const stamp = Date.now() % 1e6;
    const [serving, c, excluded, c2] = pick([d.cc1, d.cc1c, d.cc2, d.cc2c] as const, [d.cc2, d.cc2c, d.cc1, d.cc1c] as const);
    const area = `SR-${stamp}`;
    const capacity = pick(1, 2, 3);
    const prog = (
      await ok(
        c.post('/programmes', { institutionId: serving, kind: 'HOME_SICKBED', name: `家庭病床 ${stamp}`, capacity, services: ['NURSING'], areaCodes: [area] }),
        'programme',
      )
    ).programmeId as string;
    const other = (
      await ok(
        c2.post('/programmes', {
          institutionId: excluded,
          kind: 'HOME_SICKBED',
          name: `别区 ${stamp}`,
          capacity: 10,
          services: ['NURSING'],
          areaCodes: ['ELSEWHERE'],
        }),
        'programme',
      )
    ).programmeId as string;
    const [home] = await e.ds.query(`SELECT lat, lng FROM institutions WHERE id = $1`, [serving]);
    const n = capacity + 2;
    const referrals = [];
    for (let i = 0; i < n; i++) {
      const patientId = await d.patient(d.planner, { home: { areaCode: area, lat: home.lat + 0.001 * i, lng: home.lng } });
      referrals.push(item(patientId, 'HOME_SICKBED', ['NURSING']));
    }
    const res = await ok(d.planner.post('/referrals/surge', { referrals }), 'surge');
    expect(res).toMatchObject({ submitted: n, placed: capacity, escalated: 2, freeBeds: capacity });
    const placed = res.allocations.filter((a: any) => a.state === 'OFFERED');
    expect(placed.every((a: any) => a.programmeId === prog && a.bedId === null && a.institutionId === serving)).toBe(true);
    expect(res.allocations.some((a: any) => a.programmeId === other)).toBe(false);
    // each offer names the programme, and the centre can accept it (a slot is then held)
    const first = placed[0];
    const ref = await ok(d.planner.get(`/referrals/${first.referralId}`), 'read');
    const offer = ref.offers.find((o: any) => ['PENDING', 'VIEWED'].includes(o.state));
    expect((await e.ds.query(`SELECT target_programme_id FROM offers WHERE id = $1`, [offer.id]))[0].target_programme_id).toBe(prog);
    await ok(c.post(`/referrals/${first.referralId}/offers/${offer.id}/accept`, { programmeId: prog }), 'accept');
    await eventually(
      () => ok(d.planner.get(`/bed-board/programmes?districtId=${d.district}`), 'board'),
      (rows: any[]) => rows.find((r) => r.programmeId === prog)?.reserved === 1,
    );
    // a second surge sees the slot taken by the accepted hold: at most capacity - 1 more
    const more = await ok(
      d.planner.post('/referrals/surge', {
        referrals: [item(await d.patient(d.planner, { home: { areaCode: area, lat: home.lat, lng: home.lng } }), 'HOME_SICKBED', ['NURSING'])],
      }),
      'surge',
    );
    expect(more.freeBeds).toBe(capacity - 1);
  });

  it('default policy is untouched by these stories (each runs in its own district)', () => {
    expect(defaultPolicy('x').eligibility.onFailure).toBe('REFUSE');
  });
});
