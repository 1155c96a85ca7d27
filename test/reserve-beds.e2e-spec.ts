import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';
import { pick } from './support/stays';

jest.setTimeout(180_000);

/**
 * Reserve (surge) beds: an institution marks beds as reserve capacity (audited), matching leaves
 * them alone, the district coordinator opens them (audited) and they are matched; the board shows
 * them apart. Fixtures are picked at run time: either community centre, any of its rehab beds.
 */
describe('reserve (surge) beds', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let other: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    other = await smallDistrict(e, `rsvx${Math.floor(Math.random() * 1e6)}`);
  });
  // a district of its own for each case: the cases mark, close and open its centres' beds, and the counts of
  // one must not depend on which ran before it (jest --randomize)
  beforeEach(async () => {
    d = await smallDistrict(e, `rsv${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  /** One centre of the district with every rehab bed marked reserve: no rehab bed of its own is in normal use. */
  const centreAllReserve = async () => {
    const cc = pick({ id: d.cc1, c: d.cc1c, beds: d.cc1Beds }, { id: d.cc2, c: d.cc2c, beds: d.cc2Beds });
    const otherCc = cc.id === d.cc1 ? { id: d.cc2, c: d.cc2c, beds: d.cc2Beds } : { id: d.cc1, c: d.cc1c, beds: d.cc1Beds };
    // the other centre's beds are closed for the story: the reserve beds are the only rehab capacity of the district
    for (const b of otherCc.beds) await ok(otherCc.c.post(`/beds/${b}/status`, { command: 'Close', reason: 'renovation' }), 'close');
    for (const b of cc.beds) await ok(cc.c.post(`/beds/${b}/reserve`, { reserve: true, reason: 'surge plan 2026' }), 'mark');
    return cc;
  };
  const rehabReferral = async () => {
    const patient = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: patient,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'URGENT',
        clinicalSummary: 'stroke, stable',
        consent: true,
      }),
      'draft',
    );
    return r.referralId as string;
  };
  const cellOf = async (inst: string) =>
    ((await ok(d.dc.get(`/bed-board?districtId=${d.district}`), 'board')) as any[]).find((r) => r.institutionId === inst && r.kind === 'COMMUNITY');

  /** The institution's cell once the board shows what `settled` waits for (then asserted whole). */
  const boardOnce = (inst: string, settled: (c: any) => boolean) => eventually(() => cellOf(inst), settled, 30_000);

  it('marked beds leave matching and show apart on the board; the coordinator opens them and they are matched', async () => {
    const cc = await centreAllReserve();
    const n = cc.beds.length;
    // the board is a projection of the beds' events: it follows the commands, a moment later under load
    const cell = await boardOnce(cc.id, (c) => c?.reserve?.total === n && c.total === 0);
    expect(cell).toMatchObject({ total: 0, free: 0, reserve: { total: n, open: 0, free: n, openFree: 0 } });

    const id = await rehabReferral();
    expect((await ok(d.planner.get(`/referrals/${id}/candidates`), 'candidates')).candidates).toEqual([]);
    // an offer naming a closed reserve bed cannot be accepted either
    const sub = await ok(d.planner.post(`/referrals/${id}/submit`, { targets: [{ institutionId: cc.id }] }), 'submit');
    const bed = pick(...cc.beds);
    const refused = await cc.c.post(`/referrals/${id}/offers/${sub.offers[0].offerId}/accept`, { bedId: bed });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'BED_NOT_AVAILABLE', details: { reserve: 'CLOSED' } });

    // the district opens one reserve bed: it is matched, and the board says so
    const opened = await ok(d.dc.post('/reserve-beds/open', { bedIds: [bed], reason: 'influenza surge: district order 7' }), 'open');
    expect(opened).toMatchObject({ open: true, changed: 1 });
    const candidates = (await ok(d.planner.get(`/referrals/${id}/candidates`), 'candidates')).candidates;
    expect(candidates.map((c: any) => c.bedId)).toEqual([bed]);
    await ok(cc.c.post(`/referrals/${id}/offers/${sub.offers[0].offerId}/accept`, { bedId: bed }), 'accept');
    expect(await boardOnce(cc.id, (c) => c?.reserve?.reserved === 1)).toMatchObject({ total: 0, reserve: { total: n, open: 1, openFree: 0, reserved: 1 } });

    // both commands are in the audit trail with who did them and why
    const trail: any[] = await e.ds.query(
      `SELECT event_type, actor_role, actor_institution, reason FROM audit_log WHERE aggregate_id = $1 AND event_type LIKE 'BedReserve%' ORDER BY seq`,
      [bed],
    );
    expect(trail).toEqual([
      { event_type: 'BedReserveMarked', actor_role: 'COMMUNITY_COORDINATOR', actor_institution: cc.id, reason: 'surge plan 2026' },
      { event_type: 'BedReserveOpened', actor_role: 'DISTRICT_COORDINATOR', actor_institution: d.district, reason: 'influenza surge: district order 7' },
    ]);
    // closing again: the accepted patient keeps the hold, no new one is possible
    await ok(d.dc.post('/reserve-beds/close', { bedIds: [bed], reason: 'surge over' }), 'close');
    expect((await boardOnce(cc.id, (c) => c?.reserve?.open === 0)).reserve).toMatchObject({ open: 0, reserved: 1 });
  });

  it('another district’s coordinator, an institution role and a bed that is not reserve are refused; nothing changes', async () => {
    const cc = pick({ id: d.cc1, c: d.cc1c, beds: d.cc1Beds }, { id: d.cc2, c: d.cc2c, beds: d.cc2Beds });
    const bed = await ok(
      cc.c.post('/beds', { institutionId: cc.id, kind: 'COMMUNITY', ward: 'Reserve', label: `R-${Date.now()}`, services: ['REHAB'] }),
      'bed',
    );
    await ok(cc.c.post(`/beds/${bed.bedId}/reserve`, { reserve: true }), 'mark');
    const before = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1`, [bed.bedId]);

    const stranger = await other.dc.post('/reserve-beds/open', { bedIds: [bed.bedId], reason: 'not mine' });
    expect(stranger.status).toBe(403);
    expect(stranger.body.code).toBe('FORBIDDEN');
    const own = await cc.c.post('/reserve-beds/open', { bedIds: [bed.bedId], reason: 'opening my own' });
    expect(own.status).toBe(403);
    // another institution cannot mark a centre's bed as reserve
    const foreign = await d.carec.post(`/beds/${bed.bedId}/reserve`, { reserve: false });
    expect(foreign.status).toBe(403);
    // all or none: a list with one normal bed opens nothing
    const normal = await ok(cc.c.post('/beds', { institutionId: cc.id, kind: 'COMMUNITY', ward: 'W', label: `N-${Date.now()}`, services: ['REHAB'] }), 'bed');
    const mixed = await d.dc.post('/reserve-beds/open', { bedIds: [bed.bedId, normal.bedId], reason: 'x' });
    expect(mixed.status).toBe(409);
    expect(mixed.body).toMatchObject({ code: 'INVALID_TRANSITION', details: { machine: 'BedReserve' } });
    // hostile bodies: no reason, no beds, not uuids
    for (const body of [{ bedIds: [bed.bedId] }, { bedIds: [], reason: 'x' }, { bedIds: ['1; DROP TABLE beds'], reason: 'x' }])
      expect((await d.dc.post('/reserve-beds/open', body)).status).toBe(400);
    expect(await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1`, [bed.bedId])).toEqual(before);
    expect((await e.ds.query(`SELECT reserve_open FROM beds WHERE id = $1`, [bed.bedId]))[0].reserve_open).toBe(false);
  });

  it('an opened free reserve bed goes to the first referral on its institution’s waiting list', async () => {
    const cc = pick({ id: d.cc1, c: d.cc1c }, { id: d.cc2, c: d.cc2c });
    const bed = (
      await ok(cc.c.post('/beds', { institutionId: cc.id, kind: 'COMMUNITY', ward: 'WL', label: `WL-${Date.now()}`, services: ['REHAB', 'OXYGEN'] }), 'bed')
    ).bedId as string;
    await ok(cc.c.post(`/beds/${bed}/reserve`, { reserve: true }), 'mark');
    const patient = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: patient,
        requestedKind: 'COMMUNITY',
        services: ['OXYGEN'],
        urgency: 'ROUTINE',
        clinicalSummary: 'copd',
        consent: true,
      }),
      'draft',
    );
    const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: cc.id }] }), 'submit');
    await ok(cc.c.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/waitlist`, {}), 'waitlist');
    await ok(d.dc.post('/reserve-beds/open', { bedIds: [bed], reason: 'surge' }), 'open');
    const offered = await eventually(
      () => ok(d.planner.get(`/referrals/${r.referralId}`), 'read'),
      (x: any) => x.offers.some((o: any) => o.targetBedId === bed && ['PENDING', 'VIEWED'].includes(o.state)),
      15_000,
      100,
    );
    expect(offered.state).toBe('OFFERED');
  });

  it('a direct surge allocation uses opened reserve beds and never closed ones', async () => {
    const care = client(e.baseUrl, e.token('CARE_HOME_ADMISSIONS', other.care, { districtId: other.district }));
    // the other district: its two care-home beds become reserve; one is opened
    for (const b of other.careBeds) await ok(care.post(`/beds/${b}/reserve`, { reserve: true }), 'mark');
    const open = pick(...other.careBeds);
    await ok(other.dc.post('/reserve-beds/open', { bedIds: [open], reason: 'surge' }), 'open');
    const items = [];
    for (let i = 0; i < 2; i++)
      items.push({
        patientId: await other.patient(other.planner, other.assessed(4)),
        requestedKind: 'CARE_HOME',
        services: ['NURSING'],
        urgency: 'URGENT',
        clinicalSummary: 'surge',
        consent: true,
      });
    const res = await ok(other.planner.post('/referrals/surge', { referrals: items }), 'surge');
    expect(res).toMatchObject({ submitted: 2, placed: 1, escalated: 1, freeBeds: 1 });
    expect(res.allocations.filter((a: any) => a.bedId).map((a: any) => a.bedId)).toEqual([open]);
  });

  it('parallel opens and closes of overlapping batches named in any order: all answered, each change audited once, the trail agrees with the beds', async () => {
    const cc = pick({ id: d.cc1, c: d.cc1c, beds: d.cc1Beds }, { id: d.cc2, c: d.cc2c, beds: d.cc2Beds });
    const beds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const b = await ok(
        cc.c.post('/beds', { institutionId: cc.id, kind: 'COMMUNITY', ward: 'Reserve', label: `RR-${i}-${Date.now()}`, services: ['REHAB'] }),
        'bed',
      );
      await ok(cc.c.post(`/beds/${b.bedId}/reserve`, { reserve: true, reason: 'surge plan' }), 'mark');
      beds.push(b.bedId);
    }
    // overlapping batches named in opposite orders, opens and closes of the same beds at the same moment. The
    // handler locks in id order; without it two batches deadlock and the processor's retry (a deadlock is
    // transient) still lands both, only seconds later: what must hold either way is below
    const [a, b, c, x] = beds;
    const batches: Array<{ open: boolean; ids: string[] }> = [
      { open: true, ids: [a, b, c, x] },
      { open: true, ids: [x, c, b, a] },
      { open: false, ids: [c, b] },
      { open: true, ids: [c, a] },
      { open: false, ids: [x, a, c] },
      { open: true, ids: [b, x] },
      { open: false, ids: [a, b, c, x] },
      { open: true, ids: [x, b] },
    ];
    const answers = await Promise.all(
      batches.map((q) => d.dc.post(`/reserve-beds/${q.open ? 'open' : 'close'}`, { bedIds: q.ids, reason: `race ${q.open ? 'open' : 'close'}` })),
    );
    for (const r of answers) expect(r.status).toBeLessThan(300);
    // every answer names each of its beds once, and says whether it changed it
    const changedBy = new Map<string, number>(beds.map((id) => [id, 0]));
    answers.forEach((r, i) => {
      expect(r.body.open).toBe(batches[i].open);
      expect(r.body.beds.map((o: any) => o.bedId).sort()).toEqual([...batches[i].ids].sort());
      for (const o of r.body.beds) if (o.changed) changedBy.set(o.bedId, changedBy.get(o.bedId)! + 1);
    });
    for (const id of beds) {
      const trail: Array<{ event_type: string }> = await e.ds.query(
        `SELECT event_type FROM audit_log WHERE aggregate_id = $1 AND event_type IN ('BedReserveOpened','BedReserveClosed') ORDER BY seq`,
        [id],
      );
      // one audit record per change an answer reported, opens and closes alternating from closed, and the bed's
      // flag is where the last one left it
      expect(trail).toHaveLength(changedBy.get(id)!);
      trail.forEach((t, i) => expect(t.event_type).toBe(i % 2 === 0 ? 'BedReserveOpened' : 'BedReserveClosed'));
      const [row] = await e.ds.query(`SELECT reserve, reserve_open FROM beds WHERE id = $1`, [id]);
      expect(row).toEqual({ reserve: true, reserve_open: trail.length % 2 === 1 });
    }
    // and the board, fed by the events, counts what the beds say
    const open = (await e.ds.query(`SELECT count(*)::int AS n FROM beds WHERE id = ANY($1) AND reserve_open`, [beds]))[0].n;
    const cell = await eventually(
      () => cellOf(cc.id),
      (c) => c?.reserve?.total === 4 && c.reserve.open === open,
      30_000,
    );
    expect(cell.reserve).toMatchObject({ total: 4, open });
  });
});
