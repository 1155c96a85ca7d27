import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { Bed, DomainError } from '@bedlink/domain';
import { AlreadyExecuted, createDataSource, PiiCipher, TypeOrmUnitOfWork } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { smallDistrict } from './support/fixture';
import { writesDuring } from './support/socket-writes';

/**
 * The unit of work writes BEGIN with its first read and COMMIT behind its flush, on a connection in pg's
 * pipeline mode. What can go wrong is what is left behind: a transaction still open on a pooled connection
 * (the next command would run inside it), a COMMIT that "succeeded" as a ROLLBACK, an error read from the
 * wrong statement. One connection in the pool, so every case reuses the connection the case before left.
 */
describe('The pipelined unit of work leaves its connection clean, whatever ends it', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let ds: DataSource;
  let uow: TypeOrmUnitOfWork;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
    ds = createDataSource(e.cfg.DATABASE_URL, 1);
    await ds.initialize();
    uow = new TypeOrmUnitOfWork(ds, new PiiCipher(e.cfg.PII_KEY));
  });
  afterAll(async () => {
    await ds?.destroy();
    await e?.close();
  });

  const ctx = (commandId = randomUUID()) => ({
    commandId,
    commandType: 'OperateBed',
    actor: { userId: 'pipeline-case', role: 'COMMUNITY_COORDINATOR' as const, institutionId: d.cc1 },
    correlationId: randomUUID(),
    causationId: null,
    now: new Date(),
  });
  const bedOf = async (id: string) => (await e.ds.query(`SELECT status, version, chain_seq FROM beds WHERE id = $1`, [id]))[0];
  const audits = async (id: string) => (await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1`, [id]))[0].n as number;
  /**
   * Seen from another connection: the pool's one connection is not inside a transaction. Only that backend is
   * looked at: the engine's own relay and consumers hold short transactions in the same database.
   */
  const leftInTransaction = async () => {
    const [{ pid }] = await ds.query(`SELECT pg_backend_pid() AS pid`);
    const [{ state }] = await e.ds.query(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [pid]);
    return (state as string).startsWith('idle in transaction') ? 1 : 0;
  };
  const closeAndReopen = (id: string) => async (tx: Parameters<Parameters<TypeOrmUnitOfWork['run']>[1]>[0]) => {
    const bed: Bed = await tx.getBed(id);
    bed.operate(bed.props.status === 'C' ? 'Reopen' : 'Close', new Date(), 'pipeline case');
    return { ok: true };
  };

  it('a refusal before the first read: BEGIN is rolled back, the next command runs in a transaction of its own', async () => {
    const bedId = d.cc1Beds[0];
    const before = await bedOf(bedId);
    const refused = await uow
      .run(ctx(), async () => {
        throw new DomainError('FORBIDDEN', 'refused before any read');
      })
      .catch((x: unknown) => x);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
    expect(await leftInTransaction()).toBe(0);
    await uow.run(ctx(), closeAndReopen(bedId));
    expect(await bedOf(bedId)).toMatchObject({ version: before.version + 1, chain_seq: before.chain_seq + 1 });
    expect(await leftInTransaction()).toBe(0);
  });

  it('a refusal after a read (the domain says no): nothing written, nothing left open', async () => {
    const bedId = d.cc1Beds[1];
    const before = await bedOf(bedId);
    const refused = await uow
      .run(ctx(), async (tx) => {
        const bed = await tx.getBed(bedId);
        bed.operate('Reopen', new Date(), 'a free bed cannot be reopened');
        return { ok: true };
      })
      .catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(DomainError);
    expect(await bedOf(bedId)).toEqual(before);
    expect(await leftInTransaction()).toBe(0);
  });

  it('a flush that fails (the command id already ran): the error is the flush’s, the COMMIT rolled back, nothing written', async () => {
    const bedId = d.cc1Beds[2];
    const id = randomUUID();
    await uow.run(ctx(id), closeAndReopen(bedId));
    const after = await bedOf(bedId);
    const auditsAfter = await audits(bedId);
    // the same command id again: command_log's primary key refuses the last write of the flush, which
    // went out with COMMIT behind it; the bed's UPDATE and the audit record before it must not stay
    const again = await uow.run(ctx(id), closeAndReopen(bedId)).catch((x: unknown) => x);
    expect(again).toBeInstanceOf(AlreadyExecuted);
    expect(await bedOf(bedId)).toEqual(after);
    expect(await audits(bedId)).toBe(auditsAfter);
    expect(await leftInTransaction()).toBe(0);
    // and the connection goes on
    await uow.run(ctx(), closeAndReopen(bedId));
    expect((await bedOf(bedId)).version).toBe(after.version + 1);
  });

  it('many commands one after another on the one connection: each commits once, the chain has no gap', async () => {
    const bedId = d.cc2Beds[0];
    const before = await bedOf(bedId);
    for (let i = 0; i < 20; i++) await uow.run(ctx(), closeAndReopen(bedId));
    const after = await bedOf(bedId);
    expect(after).toMatchObject({ version: before.version + 20, chain_seq: before.chain_seq + 20 });
    expect(await audits(bedId)).toBe(after.chain_seq);
  });

  /** Socket writes (syscalls) the pool's one connection makes while `run` runs. */
  const writesOfPool = async (run: () => Promise<unknown>): Promise<number> => {
    await ds.query('SELECT 1'); // the pool's connection, open
    const pool = (ds.driver as unknown as { master: { _clients: { connection: { stream: Socket } }[] } }).master;
    return writesDuring(pool._clients[0].connection.stream, run);
  };

  it('writes a command in two: BEGIN with its first read, the flush with COMMIT (four writes before)', async () => {
    const bedId = d.cc2Beds[0];
    const before = await bedOf(bedId);
    expect(await writesOfPool(() => uow.run(ctx(), closeAndReopen(bedId)))).toBe(2);
    expect(await bedOf(bedId)).toMatchObject({ version: before.version + 1, chain_seq: before.chain_seq + 1 });
    // a refusal before any read: BEGIN and ROLLBACK in one write, and nothing left open
    const refused = await writesOfPool(() => uow.run(ctx(), () => Promise.reject(new DomainError('FORBIDDEN', 'no read'))).catch(() => undefined));
    expect(refused).toBe(1);
    expect(await leftInTransaction()).toBe(0);
  });
});
