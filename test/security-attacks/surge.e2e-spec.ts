import { Engine, startEngine } from '../support/engine';
import { ok, smallDistrict } from '../support/fixture';

jest.setTimeout(180_000);

/**
 * A hospital with its own free hospice beds sends a surge of hospice patients. Its own beds can
 * never be offered to its own referrals (an offer to the origin is refused), so the allocator
 * must not spend them, and the response must say what really happened to each referral.
 */
describe('Attack: surge placements are the truth', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, 'sgatk');
    // the beds both cases count on, made here: jest --randomize may run either case first
    // the origin hospital has 10 free hospice beds of its own; the community centres have 12 between them
    for (let i = 0; i < 10; i++)
      await ok(
        d.planner.post('/beds', {
          institutionId: d.hospital,
          kind: 'HOSPICE',
          ward: '安宁病房',
          label: `H${i}`,
          services: ['HOSPICE'],
        }),
        'own bed',
      );
    for (let i = 0; i < 6; i++)
      await ok(
        d.cc1c.post('/beds', {
          institutionId: d.cc1,
          kind: 'HOSPICE',
          ward: '安宁疗护',
          label: `A${i}`,
          services: ['HOSPICE'],
        }),
        'cc1 bed',
      );
    for (let i = 0; i < 6; i++)
      await ok(
        d.cc2c.post('/beds', {
          institutionId: d.cc2,
          kind: 'HOSPICE',
          ward: '安宁疗护',
          label: `A${i}`,
          services: ['HOSPICE'],
        }),
        'cc2 bed',
      );
  });
  afterAll(() => e?.close());

  it('a hospital’s own hospice beds are not allocated to its surge; reported placements equal placements in the database', async () => {
    const referrals = [];
    for (let i = 0; i < 8; i++) {
      referrals.push({
        patientId: await d.patient(),
        requestedKind: 'HOSPICE',
        services: ['HOSPICE'],
        urgency: i < 2 ? 'EMERGENCY' : 'URGENT',
        clinicalSummary: 'end-of-life care, surge',
        consent: true,
      });
    }
    const res = await ok(d.planner.post('/referrals/surge', { referrals }), 'surge');
    const ids = res.allocations.map((a: any) => a.referralId);
    expect(ids).toHaveLength(8);

    // nothing is allocated to, or offered at, the origin
    expect(res.allocations.filter((a: any) => a.institutionId === d.hospital)).toEqual([]);
    const atOrigin = await e.ds.query(`SELECT count(*)::int AS n FROM offers WHERE referral_id = ANY($1) AND target_institution_id = $2`, [ids, d.hospital]);
    expect(atOrigin[0].n).toBe(0);

    // every patient has a bed elsewhere (12 free) and nobody escalates, EMERGENCY included
    const rows = await e.ds.query(
      `SELECT r.id, r.state, o.target_institution_id, o.target_bed_id FROM referrals r
         LEFT JOIN offers o ON o.referral_id = r.id AND o.state IN ('PENDING','VIEWED')
        WHERE r.id = ANY($1)`,
      [ids],
    );
    const placedInDb = rows.filter((r: any) => r.state === 'OFFERED' && r.target_bed_id);
    expect(placedInDb).toHaveLength(8);
    expect(res.placed).toBe(placedInDb.length);
    expect(res.escalated).toBe(rows.filter((r: any) => r.state === 'ESCALATED').length);

    // each reported allocation matches its referral in the database
    for (const a of res.allocations) {
      const row = rows.find((r: any) => r.id === a.referralId);
      expect({
        state: a.state,
        bedId: a.bedId,
        institutionId: a.institutionId,
      }).toEqual({
        state: row.state,
        bedId: row.target_bed_id,
        institutionId: row.target_institution_id,
      });
      expect(a.outcome).toBe('OFFERED');
    }
  });

  it('when the beds elsewhere run out, the rest are reported escalated with the reason, never placed at the origin', async () => {
    // an offer suggests a bed without holding it, so the 12 community hospice beds are free again; 10 more at the origin
    const referrals = [];
    for (let i = 0; i < 14; i++)
      referrals.push({
        patientId: await d.patient(),
        requestedKind: 'HOSPICE',
        services: ['HOSPICE'],
        urgency: 'URGENT',
        clinicalSummary: 'end-of-life care, second wave',
        consent: true,
      });
    const res = await ok(d.planner.post('/referrals/surge', { referrals }), 'surge');
    expect(res).toMatchObject({ submitted: 14, placed: 12, escalated: 2 });
    expect(res.allocations.filter((a: any) => a.institutionId === d.hospital)).toEqual([]);
    const escalated = res.allocations.filter((a: any) => a.outcome === 'ESCALATED');
    expect(escalated).toHaveLength(2);
    for (const a of escalated) {
      expect(a).toMatchObject({
        state: 'ESCALATED',
        bedId: null,
        institutionId: null,
        reason: expect.stringMatching(/free beds? .*may serve this referral/),
      });
      const [row] = await e.ds.query(`SELECT state, state_reason FROM referrals WHERE id = $1`, [a.referralId]);
      expect(row.state).toBe('ESCALATED');
      expect(a.reason).toBe(row.state_reason);
    }
  });
});
