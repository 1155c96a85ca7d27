import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { defaultPolicy } from '@bedlink/domain';
import { createDataSource, DbPolicy, PiiCipher, sameConnection, TypeOrmUnitOfWork } from '@bedlink/persistence';
import { createTestDatabase, dropTestDatabase } from './support/engine';
import { systemCommand } from './support/system-command';

/**
 * A command's transaction holds a pool connection; a read it makes on the side (the district
 * policy, the matcher) must run on that connection, never wait for a second one. With every
 * connection held by a transaction waiting for another, nobody got one until the pool's connect
 * timeout: the commands failed as "database unreachable" and were retried with backoff (the
 * closed loop's 26 s p99 in docs/performance.md). A pool of one makes that certain, not likely.
 */
describe('a command transaction and its side reads share one connection', () => {
  let url: string;
  let ds: DataSource;

  beforeAll(async () => {
    url = await createTestDatabase();
    ds = createDataSource(url, 1);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    if (url) await dropTestDatabase(url);
  });

  it('reads the district policy inside the unit of work with a pool of one connection', async () => {
    const uow = new TypeOrmUnitOfWork(ds, new PiiCipher(randomBytes(32).toString('hex')));
    const fallback = defaultPolicy('district-without-a-policy');
    const policy = new DbPolicy(ds, () => fallback, 0);
    const ctx = systemCommand('ReadPolicy');
    const got = await uow.run(ctx, async () => {
      const pid = (await sameConnection(ds).query('SELECT pg_backend_pid() AS pid'))[0].pid as number;
      return { doc: await policy.forDistrict('district-without-a-policy'), pid };
    });
    // the fallback, on the national calendar
    expect(got.doc).toMatchObject({ districtId: 'district-without-a-policy', offerWindows: fallback.offerWindows });
    // outside a unit of work the pool serves (the one connection is free again)
    expect(sameConnection(ds)).toBe(ds);
    expect((await ds.query('SELECT pg_backend_pid() AS pid'))[0].pid).toBe(got.pid);
  });
});
