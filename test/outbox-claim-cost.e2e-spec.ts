import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { CLAIM_SETTINGS, claimStatement, createDataSource, OutboxStore } from '@bedlink/persistence';
import { createTestDatabase, dropTestDatabase } from './support/engine';
import { eventually } from './support/http';

/**
 * Every row the relay marks sent leaves a dead entry in the partial index of unsent rows until a
 * vacuum runs. Under load that is thousands of entries between two autovacuums. The claim must step
 * over them cheaply: an index scan marks each dead entry it meets and the next claim skips it, a bitmap
 * scan or a sequential scan reads the partition again on every claim (measured in the bench: 2,700 buffers a
 * claim against about 200). The state below is the bench's: statistics taken with a few percent of the
 * rows unsent, which is what made the planner choose those scans there.
 */
describe("the relay's claim after a burst of sent rows", () => {
  let url: string;
  let c: Client;
  let ds: DataSource;

  const insert = (n: number) =>
    c.query(
      `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata, sent_at)
       SELECT gen_random_uuid(), 'BedRegistered', 'Bed', gen_random_uuid(), jsonb_build_object('n', n, 'text', repeat('x', 400)), '{}'::jsonb, NULL
         FROM generate_series(1, $1::int) n`,
      [n],
    );

  /** Buffers one claim of 1,000 touches, in a transaction rolled back: the rows stay unsent. */
  async function claimBuffers(): Promise<{ buffers: number; claimed: number }> {
    await c.query('BEGIN');
    try {
      await c.query(CLAIM_SETTINGS);
      const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${claimStatement(1000)}`);
      const plan = (rows[0]['QUERY PLAN'] as { Plan: Record<string, number> }[])[0].Plan;
      return { buffers: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], claimed: plan['Actual Rows'] };
    } finally {
      await c.query('ROLLBACK');
    }
  }

  beforeAll(async () => {
    url = await createTestDatabase();
    c = new Client({ connectionString: url });
    await c.connect();
    // 20,000 rows inserted unsent and sent by the relay, analyzed while 5 % were still unsent
    await insert(20_000);
    await c.query(`UPDATE outbox SET sent_at = now() WHERE id <= (SELECT min(id) + 18999 FROM outbox)`);
    await c.query('ANALYZE outbox');
    await c.query(`UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL`);
    await insert(5);
    ds = createDataSource(url, 2);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await c?.end();
    if (url) await dropTestDatabase(url);
  });

  it('steps over the dead entries: a repeated claim touches a few hundred buffers, not the partition', async () => {
    const first = await claimBuffers();
    expect(first.claimed).toBe(5);
    // An entry is marked once its row is dead to every transaction: with other suites' transactions open
    // on the machine that can take a few claims, as it does for the relay. 20,000 dead entries then fit in
    // a few index pages: about 210 buffers here, most of them the UPDATE's probes of the month partitions.
    // The claim as it was (a hash join over a sequential scan for its UPDATE, a bitmap or sequential scan
    // for its rows) touched about 3,000 on every claim, however many came before.
    const settled = await eventually(claimBuffers, (b) => b.buffers < 500, 20_000, 100);
    expect(settled.claimed).toBe(5);
    expect(settled.buffers).toBeLessThan(500);
  });

  it('is not compiled: a disabled scan is priced at 10^10, past the JIT thresholds', async () => {
    await c.query('BEGIN');
    try {
      await c.query(CLAIM_SETTINGS);
      const { rows } = await c.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${claimStatement(1000)}`);
      const plan = (rows[0]['QUERY PLAN'] as { Plan: { 'Total Cost': number }; JIT?: unknown }[])[0];
      // the settings are what priced it so: without them this check says nothing
      expect(plan.Plan['Total Cost']).toBeGreaterThan(Number((await c.query('SHOW jit_above_cost')).rows[0].jit_above_cost));
      expect(plan.JIT).toBeUndefined();
    } finally {
      await c.query('ROLLBACK');
    }
  });

  it('the store claims with those settings, which end with its transaction', async () => {
    const store = new OutboxStore(ds);
    const claim = await store.claim(1000);
    try {
      expect(claim.rows).toHaveLength(5);
      expect(await claim.query(`SELECT current_setting('enable_bitmapscan') AS b, current_setting('jit') AS j`)).toEqual([{ b: 'off', j: 'off' }]);
    } finally {
      await claim.rollback();
    }
    // the pool's connection is back to the default for whatever it runs next
    const settings = (await Promise.all([0, 1].map(() => ds.query(`SELECT current_setting('enable_bitmapscan') AS v`)))).flat();
    expect(settings).toEqual([{ v: 'on' }, { v: 'on' }]);
  });
});
