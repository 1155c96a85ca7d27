import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PiiCipher, TypeOrmUnitOfWork } from '@bedlink/persistence';
import { ADAPTERS } from '../libs/persistence/src/aggregates';
import { Engine, startEngine } from './support/engine';
import { systemCommand } from './support/system-command';
import { ok, rehabReferral, smallDistrict } from './support/fixture';
import { eventually } from './support/http';

/**
 * The one aggregate loader runs on nearly every command: the root row locked, with its children, in one
 * statement (the children from a VOLATILE function called above the lock, migration 1735300000001).
 */
describe('aggregate loads', () => {
  let e: Engine;
  let c: Client;

  beforeAll(async () => {
    e = await startEngine();
    c = new Client({ connectionString: e.cfg.DATABASE_URL });
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
    await e?.close();
  });

  const withChildren = Object.entries(ADAPTERS).flatMap(([type, a]) => (a.children ? [[type, a.children] as const] : []));

  it('covers the aggregates that have children', () => {
    expect(withChildren.map(([k]) => k)).toEqual(expect.arrayContaining(['Bed', 'Programme', 'Referral']));
  });

  /**
   * A referral's waiting-list entries were read with a scan of the whole table: the only index on
   * referral_id covered live entries, and ended ones stay. Small on a bench, linear in a city's years. Each
   * children function's statement is planned here with the generic plan and sequential scans priced out: a
   * scan left in the plan is a table with no index for it.
   */
  it.each(withChildren)('%s: its children function reads every child table by index (%s)', async (_type, fn) => {
    const [{ src }] = (await c.query(`SELECT prosrc AS src FROM pg_proc WHERE proname = $1`, [fn])).rows as { src: string }[];
    const body = /RETURN \(([\s\S]*)\);\s*END/.exec(src)?.[1];
    expect(body).toBeDefined();
    const name = `plan_${fn}`;
    await c.query(`SET enable_seqscan = off`);
    await c.query(`SET plan_cache_mode = force_generic_plan`);
    try {
      await c.query(`PREPARE ${name}(uuid) AS ${body!.replace(/\bp\b/g, '$1')}`);
      const plan = (await c.query(`EXPLAIN EXECUTE ${name}('${randomUUID()}')`)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      expect(plan).toMatch(/Index|Bitmap/);
      expect(plan).not.toMatch(/Seq Scan/);
    } finally {
      await c.query(`DEALLOCATE ALL`);
      await c.query(`RESET enable_seqscan`);
      await c.query(`RESET plan_cache_mode`);
    }
  });

  it('a load that waited for the lock sees the children its holder committed', async () => {
    const d = await smallDistrict(e, 'agl');
    const { referralId } = await ok(d.planner.post('/referrals', rehabReferral(await d.patient())), 'draft');
    await ok(d.planner.post(`/referrals/${referralId}/submit`, { targets: [{ institutionId: d.cc1, bedId: d.cc1Beds[0] }] }), 'submit');
    const before = await eventually(
      async () => (await c.query(`SELECT id, viewed_at FROM offers WHERE referral_id = $1`, [referralId])).rows as { id: string; viewed_at: Date | null }[],
      (rows) => rows.length > 0,
    );
    expect(before.every((o) => o.viewed_at === null)).toBe(true);

    // another command holds the referral and changes its offers
    await c.query('BEGIN');
    await c.query(`SELECT 1 FROM referrals WHERE id = $1 FOR UPDATE`, [referralId]);
    await c.query(`UPDATE offers SET viewed_at = now(), viewed_by = 'holder' WHERE referral_id = $1`, [referralId]);

    const uow = new TypeOrmUnitOfWork(e.ds, new PiiCipher(e.cfg.PII_KEY));
    const ctx = systemCommand('ReadReferral');
    const loaded = uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(referralId);
      return { viewedBy: r.props.offers.map((o) => o.viewedBy) };
    });
    // the load waits on the lock, not beside it
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`))[0].n,
      (n: number) => n > 0,
    );
    await c.query('COMMIT');
    const got = await loaded;
    expect(got.viewedBy.length).toBe(before.length);
    expect(got.viewedBy.every((v) => v === 'holder')).toBe(true);
  });
});
