import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

jest.setTimeout(180_000);

describe('Surge: a batch of referrals allocated across the district', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
  });
  // a district per test: each surge sees exactly the beds it counts on
  let districts = 0;
  beforeEach(async () => {
    d = await smallDistrict(e, `surge${++districts}`);
  });
  afterAll(() => e?.close());

  const item = (patientId: string, services: string[], urgency = 'ROUTINE') => ({
    patientId,
    requestedKind: 'CARE_HOME',
    services,
    urgency,
    clinicalSummary: 'surge discharge',
    careLevel: 4,
    consent: true,
  });

  it('places the known maximum on a small fixture: the dementia patient gets the only dementia-capable bed', async () => {
    // care home beds: 3-01 [NURSING], 3-02 [NURSING, DEMENTIA]; a dementia patient fits only 3-02
    const flexible = await d.patient(d.planner, d.assessed(4));
    const dementia = await d.patient(d.planner, d.assessed(4, { cognitiveImpairment: true }));
    const batch = { referrals: [item(flexible, ['NURSING']), item(dementia, ['NURSING', 'DEMENTIA'])] };
    // the plan first (the console shows it before the coordinator confirms): the same allocation, greedy's beside it, nothing created
    const plan = await ok(d.planner.post('/referrals/surge', { ...batch, dryRun: true }), 'plan');
    expect(plan).toMatchObject({ dryRun: true, submitted: 2, placed: 2, escalated: 0, freeBeds: 2, errors: [] });
    expect(plan.allocations.find((a: any) => a.index === 1)).toMatchObject({ referralId: null, bedId: d.careBeds[1], institutionId: d.care });
    // first come: the flexible patient takes the first compatible bed, which may be the dementia one
    expect(plan.allocations.every((a: any) => 'greedyBedId' in a && 'greedyInstitutionId' in a)).toBe(true);
    expect(await ok(d.planner.get('/referrals?side=origin&limit=100'), 'list')).toHaveLength(0);
    expect(await ok(d.carec.get(`/institutions/${d.care}/inbox`), 'inbox')).toHaveLength(0);
    const res = await ok(d.planner.post('/referrals/surge', batch), 'surge');
    expect(res.dryRun).toBe(false);
    expect(res).toMatchObject({ submitted: 2, placed: 2, escalated: 0, errors: [] });
    const beds = res.allocations.map((a: any) => a.bedId);
    expect(new Set(beds).size).toBe(2);
    expect(res.allocations.find((a: any) => a.index === 1).bedId).toBe(d.careBeds[1]);
    expect(res.allocations.every((a: any) => a.state === 'OFFERED')).toBe(true);
    // the care home receives one offer per bed, each suggesting that bed
    const inbox = await ok(d.carec.get(`/institutions/${d.care}/inbox`), 'inbox');
    expect(inbox.map((i: any) => i.suggestedBedId).sort()).toEqual([...d.careBeds].sort());
  });

  it('200 referrals over fewer suitable beds: EMERGENCY first, no bed promised twice, the rest escalated; prints placed vs greedy', async () => {
    const coord = client(e.baseUrl, e.token('CARE_HOME_ADMISSIONS', d.care, { districtId: d.district }));
    // with the fixture's two (one general, one dementia-capable): 20 dementia-capable beds (listed first, so greedy wastes them) and 40 general
    for (let i = 0; i < 19; i++)
      await ok(coord.post('/beds', { institutionId: d.care, kind: 'CARE_HOME', ward: 'A-认知症', label: `D${i}`, services: ['NURSING', 'DEMENTIA'] }), 'bed');
    for (let i = 0; i < 39; i++)
      await ok(coord.post('/beds', { institutionId: d.care, kind: 'CARE_HOME', ward: 'B-护理', label: `N${i}`, services: ['NURSING'] }), 'bed');
    const referrals: ReturnType<typeof item>[] = [];
    for (let i = 0; i < 200; i++) {
      const dem = i % 5 !== 0; // 160 dementia patients, 40 general
      const urgency = i % 10 === 9 ? 'EMERGENCY' : i % 5 === 0 ? 'URGENT' : 'ROUTINE';
      referrals.push(item(await d.patient(d.planner, d.assessed(4)), dem ? ['NURSING', 'DEMENTIA'] : ['NURSING'], urgency));
    }
    // 200 placements may outlast the API's wait on a loaded machine (202 + status URL): follow it, as a client must
    const first = await d.planner.post('/referrals/surge', { referrals });
    const res =
      first.status === 202
        ? (
            await eventually(
              () => d.planner.get(first.body.statusUrl),
              (s) => s.body.state === 'completed',
              120_000,
              500,
            )
          ).body.outcome.result
        : await ok(Promise.resolve(first), 'surge');
    // 60 beds: 20 dementia-capable, 40 general; 160 dementia and 40 general patients: the maximum is 20 + 40 = 60,
    // while first-come hands dementia beds to early general patients and leaves general beds empty
    expect(res.freeBeds).toBe(60);
    expect(res.placed).toBe(60);
    expect(res.escalated).toBe(140);
    expect(res.greedyPlaced).toBeLessThan(res.placed);
    const placedBeds = res.allocations.filter((a: any) => a.bedId).map((a: any) => a.bedId);
    expect(new Set(placedBeds).size).toBe(placedBeds.length);
    const emergencies = res.allocations.filter((a: any) => referrals[a.index].urgency === 'EMERGENCY');
    expect(emergencies.every((a: any) => a.bedId)).toBe(true);
    const states = await e.ds.query(`SELECT state, count(*)::int AS n FROM referrals WHERE id = ANY($1) GROUP BY state`, [
      res.allocations.map((a: any) => a.referralId),
    ]);
    expect(Object.fromEntries(states.map((s: any) => [s.state, s.n]))).toEqual({ OFFERED: 60, ESCALATED: 140 });
    console.log(`surge: ${res.submitted} referrals, ${res.freeBeds} free beds: placed ${res.placed} (greedy first-come ${res.greedyPlaced})`);
  });
});
