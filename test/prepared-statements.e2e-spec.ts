import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource, OutboxStore, PiiCipher, PLAN_EACH_TIME, sameConnection, TypeOrmUnitOfWork } from '@bedlink/persistence';
import { isStalePlan } from '../libs/persistence/src/pg-errors';
import { createTestDatabase, dropTestDatabase } from './support/engine';
import { systemCommand } from './support/system-command';

/**
 * The engine's connections run repeated statements prepared (libs/persistence/src/prepared-client.ts):
 * planned once per connection, not on every call. What that must not break: a migration that changes a
 * table the engine reads with `SELECT *` while it runs (a rolling deploy).
 */
describe('prepared statements on the engine connections', () => {
  let url: string;
  let ds: DataSource;
  const probe = `SELECT * FROM prep_probe WHERE a = $1`;
  const prepared = async () =>
    (await ds.query(`SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = '${probe.replace(/'/g, "''")}'`)) as {
      generic_plans: string;
      custom_plans: string;
    }[];

  beforeAll(async () => {
    url = await createTestDatabase();
    // one connection: every statement below runs on the backend whose prepared statements are read
    ds = createDataSource(url, 1);
    await ds.initialize();
    await ds.query(`CREATE TABLE prep_probe (a int PRIMARY KEY, b text)`);
    await ds.query(`INSERT INTO prep_probe VALUES (1, 'one'), (2, 'two')`);
  });
  afterAll(async () => {
    await ds?.destroy();
    if (url) await dropTestDatabase(url);
  });

  it('prepares a statement the second time it runs, then plans it once', async () => {
    const text = `SELECT b FROM prep_probe WHERE a = $1 AND b IS NOT NULL`;
    const listed = async () => (await ds.query(`SELECT generic_plans::int AS g FROM pg_prepared_statements WHERE statement = '${text}'`)) as { g: number }[];
    expect(await ds.query(text, [1])).toEqual([{ b: 'one' }]);
    expect(await listed()).toEqual([]); // seen once: unnamed, like an operator's one-off
    for (let i = 0; i < 8; i++) expect(await ds.query(text, [2])).toEqual([{ b: 'two' }]);
    const [row] = await listed();
    // five custom plans, then the generic plan reused: the later calls were not planned again
    expect(row.g).toBeGreaterThanOrEqual(2);
  });

  it('a statement that starts with PLAN_EACH_TIME is planned on every call, never prepared', async () => {
    const text = `${PLAN_EACH_TIME}SELECT b FROM prep_probe WHERE a = $1 AND b <> ''`;
    for (let i = 0; i < 8; i++) expect(await ds.query(text, [1])).toEqual([{ b: 'one' }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%prep_probe WHERE a = $1 AND b <>%'`)).toEqual([
      { n: 0 },
    ]);
  });

  it("the relay's claim is planned on every call: a month's outbox grows by bursts between analyzes", async () => {
    const store = new OutboxStore(ds);
    for (let i = 0; i < 8; i++) await (await store.claim(10)).commit();
    expect(await ds.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%claimed AS%'`)).toEqual([{ n: 0 }]);
  });

  it("DB_PREPARED_STATEMENTS off: the driver's own client, nothing prepared (behind a transaction-mode pooler)", async () => {
    const plain = createDataSource(url, 1, undefined, false);
    await plain.initialize();
    try {
      const text = `SELECT b FROM prep_probe WHERE a = $1 AND a > 0`;
      for (let i = 0; i < 4; i++) await plain.query(text, [1]);
      expect(await plain.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).toEqual([{ n: 0 }]);
    } finally {
      await plain.destroy();
    }
  });

  it('a statement without parameters stays on the simple protocol', async () => {
    await ds.query(`SELECT 42 AS n`);
    await ds.query(`SELECT 42 AS n`);
    expect(await ds.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = 'SELECT 42 AS n'`)).toEqual([{ n: 0 }]);
  });

  it('outside a transaction, a SELECT * prepared before a migration answers with the new column', async () => {
    expect(await ds.query(probe, [1])).toEqual([{ a: 1, b: 'one' }]);
    expect(await ds.query(probe, [1])).toEqual([{ a: 1, b: 'one' }]);
    expect(await prepared()).toHaveLength(1);
    await ds.query(`ALTER TABLE prep_probe ADD COLUMN c int DEFAULT 7`);
    // Postgres refuses the prepared plan (0A000); the client prepares it anew and runs it again
    expect(await ds.query(probe, [1])).toEqual([{ a: 1, b: 'one', c: 7 }]);
    expect(await ds.query(probe, [2])).toEqual([{ a: 2, b: 'two', c: 7 }]);
  });

  it('inside a transaction the stale plan aborts it, and the unit of work runs the command again', async () => {
    // warm: prepared under the current generation
    await ds.query(probe, [1]);
    await ds.query(probe, [1]);
    await ds.query(`ALTER TABLE prep_probe ADD COLUMN d int DEFAULT 9`);

    // a bare transaction sees the error: the statement's plan no longer fits the table
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    const err = await qr.query(probe, [1]).catch((e: unknown) => e);
    await qr.rollbackTransaction();
    await qr.release();
    expect(isStalePlan(err)).toBe(true);

    // prepared again (under the next generation), then the table changes under it once more
    expect(await ds.query(probe, [1])).toEqual([{ a: 1, b: 'one', c: 7, d: 9 }]);
    await ds.query(`ALTER TABLE prep_probe ADD COLUMN e int DEFAULT 11`);
    const uow = new TypeOrmUnitOfWork(ds, new PiiCipher(randomBytes(32).toString('hex')));
    let attempts = 0;
    const ctx = systemCommand('ReadProbe');
    const got = await uow.run(ctx, async () => {
      attempts++;
      return { rows: await sameConnection(ds).query(probe, [2]) };
    });
    expect(got.rows).toEqual([{ a: 2, b: 'two', c: 7, d: 9, e: 11 }]);
    expect(attempts).toBe(2);
  });
});
