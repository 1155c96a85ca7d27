import { takeBoardSnapshot } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

jest.setTimeout(120_000);

/** The dashboard's query module against the API: figures from a district built by the test, not the seed. */
describe('district dashboard figures', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  const referral = async () => {
    const p = await d.patient(d.planner, d.assessed(3));
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: p,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'dash',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`), 'submit');
    return r.referralId as string;
  };

  it('snapshots once per hour; the funnel, declines and offers near their deadline count what happened', async () => {
    // A snapshot copies the bed board, a projection the worker fills from the beds' events: under CI's load the
    // fixture's beds were not on it yet, and the first snapshot copied nothing (two rehearsals, 2026-12-02).
    const beds = d.hospitalBeds.length + d.cc1Beds.length + d.cc2Beds.length + d.careBeds.length;
    await eventually(
      async () => (await e.ds.query(`SELECT coalesce(sum(total), 0)::int AS n FROM bed_board WHERE district_id = $1`, [d.district]))[0].n as number,
      (n) => n === beds,
      30_000,
    );
    // one snapshot per hour however often it runs (two workers, a retried job). Hours of the past: the worker
    // snapshots the current hour itself, at its start and on its schedule.
    const hour = new Date(Date.now() - 2 * 3_600_000);
    expect(await takeBoardSnapshot(e.ds, hour)).toBeGreaterThan(0);
    expect(await takeBoardSnapshot(e.ds, hour)).toBe(0);
    expect(await takeBoardSnapshot(e.ds, new Date(hour.getTime() - 3_600_000))).toBeGreaterThan(0);
    // and older than the retention goes
    await takeBoardSnapshot(e.ds, new Date(hour.getTime() - 40 * 86_400_000));
    await takeBoardSnapshot(e.ds, hour);
    const [{ oldest }] = await e.ds.query(`SELECT min(taken_at) AS oldest FROM board_snapshots`);
    expect(Date.now() - new Date(oldest).getTime()).toBeLessThan(36 * 86_400_000);

    const declined = await referral();
    const o1 = await ok(d.planner.post(`/referrals/${declined}/offers`, { targetInstitutionId: d.cc1 }), 'offer');
    await ok(d.cc1c.post(`/referrals/${declined}/offers/${o1.offerId}/decline`, { reason: 'STAFFING' }), 'decline');
    const pending = await referral();
    await ok(d.planner.post(`/referrals/${pending}/offers`, { targetInstitutionId: d.cc2 }), 'offer');

    const view = await ok(d.dc.get(`/dashboard/districts/${d.district}?nearMinutes=1440`), 'dashboard');
    expect(view.history.length).toBeGreaterThanOrEqual(2);
    expect(view.funnel).toMatchObject({ drafted: 2, submitted: 2, offered: 2, accepted: 0, admitted: 0 });
    expect(view.declineReasons.find((r: { reason: string }) => r.reason === 'STAFFING').n).toBe(1);
    expect(view.nearDeadline.map((o: { referralId: string }) => o.referralId)).toEqual([pending]);
    expect(view.institutions.find((i: { id: string }) => i.id === d.cc1)).toMatchObject({ lat: expect.any(Number), lng: expect.any(Number) });
    // the institution table sums to the category table
    const free = view.occupancy.byInstitution.reduce((n: number, i: { total: { free: number } }) => n + i.total.free, 0);
    const byCat = Object.values(view.occupancy.byCategory as Record<string, { free: number }>).reduce((n, c) => n + c.free, 0);
    expect(free).toBe(byCat);
  });

  it('is the district’s own: another district, institution roles and bad parameters are refused', async () => {
    expect((await client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd2' })).get(`/dashboard/districts/${d.district}`)).status).toBe(403);
    expect((await d.planner.get(`/dashboard/districts/${d.district}`)).status).toBe(403);
    expect((await client(e.baseUrl, e.token('AUDITOR', null, { districtId: d.district })).get(`/dashboard/districts/${d.district}`)).status).toBe(200);
    for (const q of ['days=0', 'days=31', 'days=x', 'nearMinutes=-1'])
      expect([q, (await d.dc.get(`/dashboard/districts/${d.district}?${q}`)).status]).toEqual([q, 400]);
    expect((await d.dc.get(`/dashboard/districts/${'x'.repeat(41)}`)).status).toBe(400);
  });
});
