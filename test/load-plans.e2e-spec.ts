import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ADAPTERS } from '../libs/persistence/src/aggregates';
import { createTestDatabase, dropTestDatabase } from './support/engine';

/**
 * Every aggregate load runs on every command: its children's statement must find its rows by an index,
 * whatever the table holds. A referral's waiting-list entries were read with a scan of the whole table
 * (the only index on referral_id covered live entries, and ended ones stay): small on a bench, linear in
 * a city's years. Each load is planned here as the engine runs it, prepared with the generic plan, with
 * sequential scans priced out: a scan left in the plan is a table with no index for it.
 */
describe('aggregate loads read their children by index', () => {
  let url: string;
  let c: Client;

  beforeAll(async () => {
    url = await createTestDatabase();
    c = new Client({ connectionString: url });
    await c.connect();
    await c.query(`SET enable_seqscan = off`);
    await c.query(`SET plan_cache_mode = force_generic_plan`);
  });
  afterAll(async () => {
    await c?.end();
    if (url) await dropTestDatabase(url);
  });

  const withChildren = Object.entries(ADAPTERS).filter(([, a]) => 'children' in a);

  it('covers the aggregates that have children', () => {
    expect(withChildren.map(([k]) => k).sort()).toEqual(expect.arrayContaining(['Bed', 'Programme', 'Referral']));
  });

  it.each(withChildren.map(([k]) => k))('%s: no sequential scan in the children statement', async (type) => {
    const adapter = ADAPTERS[type as keyof typeof ADAPTERS];
    const statements: string[] = [];
    await adapter.children!(async (sql: string) => {
      statements.push(sql);
      return [{}];
    }, randomUUID());
    expect(statements.length).toBeGreaterThan(0);
    for (const [i, sql] of statements.entries()) {
      const name = `load_${type}_${i}`.toLowerCase();
      await c.query(`PREPARE ${name}(uuid) AS ${sql}`);
      const plan = (await c.query(`EXPLAIN EXECUTE ${name}('${randomUUID()}')`)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      await c.query(`DEALLOCATE ${name}`);
      expect(plan).not.toMatch(/Seq Scan/);
    }
  });
});
