import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ArchiveAuditPartitionCommand, ArchiveAuditPartitionHandler } from '@bedlink/application';
import { Actor, auditHash, GENESIS_HASH } from '@bedlink/domain';
import {
  archiveCommandContext,
  AuditArchiveExporter,
  PiiCipher,
  TypeOrmUnitOfWork,
  verifyArchiveFile,
  verifyArchiveFiles,
  verifyAudit,
  writeAuditCheckpoint,
} from '@bedlink/persistence';
import { LeaderElection } from '../apps/worker/src/leader';
import { RetentionPruner } from '../apps/worker/src/retention';
import { Engine, startEngine } from './support/engine';

jest.setTimeout(180_000);

const run = promisify(execFile);
const keyPair = () => {
  const k = generateKeyPairSync('ed25519');
  return { priv: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }),
  );

interface Rec {
  aggregateType: string;
  aggregateId: string;
  aggregateSeq: number;
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
  actorUser: string;
  actorRole: string;
  actorInstitution: string | null;
  reason: string | null;
  correlationId: string | null;
  causationId: string | null;
  occurredAt: Date;
  prevHash: string;
  hash: string;
}

/** A chain's next records, hashed like the unit of work hashes them. */
function chain(id: string, from: { seq: number; hash: string }, at: Date[]): Rec[] {
  const out: Rec[] = [];
  let prev = from;
  for (const occurredAt of at) {
    const r = {
      aggregateType: 'Referral',
      aggregateId: id,
      aggregateSeq: prev.seq + 1,
      eventId: randomUUID(),
      eventType: 'ReferralDrafted',
      payload: { note: `record ${prev.seq + 1}` },
      actorUser: 'partition-test',
      actorRole: 'DISCHARGE_PLANNER',
      actorInstitution: null,
      reason: null,
      correlationId: null,
      causationId: null,
      occurredAt,
      prevHash: prev.hash,
    };
    const rec = { ...r, hash: auditHash(r) };
    out.push(rec);
    prev = { seq: rec.aggregateSeq, hash: rec.hash };
  }
  return out;
}
const tail = (rs: Rec[]) => ({ seq: rs[rs.length - 1].aggregateSeq, hash: rs[rs.length - 1].hash });

/** Appends through the parent table, in one statement (as the bulk loaders do). */
async function append(c: Client, rows: Rec[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const v = [
      r.aggregateType,
      r.aggregateId,
      r.aggregateSeq,
      r.eventId,
      r.eventType,
      JSON.stringify(r.payload),
      r.actorUser,
      r.actorRole,
      r.actorInstitution,
      r.reason,
      r.correlationId,
      r.causationId,
      r.occurredAt,
      r.prevHash,
      r.hash,
    ];
    return `(${v.map((x) => `$${params.push(x)}`).join(',')})`;
  });
  await c.query(
    `INSERT INTO audit_log (aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, reason, correlation_id, causation_id, occurred_at, prev_hash, hash) VALUES ${tuples.join(',')}`,
    params,
  );
}

/** Shanghai local time → the instant. */
const sh = (iso: string) => new Date(`${iso}+08:00`);

describe('Audit partitions: a closed month archived, detached, verified offline', () => {
  let e: Engine;
  let rt: Client;
  let dir: string;
  const key = keyPair();
  let handler: ArchiveAuditPartitionHandler;
  const files: Record<string, string> = {};
  // chains: A runs Dec → Jan → Feb, B only in January, C starts in December and ends in January
  const A = randomUUID();
  const B = randomUUID();
  const C = randomUUID();
  const a1 = chain(A, { seq: 0, hash: GENESIS_HASH }, [sh('2023-12-31T23:59:59.000')]);
  const a2 = chain(A, tail(a1), [sh('2024-01-01T00:00:00.000'), sh('2024-01-15T12:00:00.000'), sh('2024-01-31T23:59:59.999')]);
  const a3 = chain(A, tail(a2), [sh('2024-02-01T00:00:00.000'), sh('2024-02-02T00:00:00.000')]);
  const b = chain(B, { seq: 0, hash: GENESIS_HASH }, [sh('2024-01-03T08:00:00.000'), sh('2024-01-04T08:00:00.000'), sh('2024-01-05T08:00:00.000')]);
  const c1 = chain(C, { seq: 0, hash: GENESIS_HASH }, [sh('2023-12-10T08:00:00.000')]);
  const c2 = chain(C, tail(c1), [sh('2024-01-10T08:00:00.000')]);

  /**
   * The cases are one story, each step building on the ones declared before it (a month created, archived,
   * detached, verified). A step runs its predecessors first, each once, so jest --randomize may run them in any
   * order and every step still starts from the state its story gives it.
   */
  const steps: (() => Promise<void>)[] = [];
  const story = (title: string, body: () => Promise<void>, timeout?: number) => {
    const before = steps[steps.length - 1];
    let run: Promise<void> | undefined;
    const step = () =>
      (run ??= (async () => {
        if (before) await before();
        await body();
      })());
    steps.push(step);
    it(title, step, timeout);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bedlink-archive-'));
    e = await startEngine({ env: { AUDIT_SIGNING_KEY: key.priv, AUDIT_VERIFY_KEY: key.pub, AUDIT_ARCHIVE_DIR: dir } });
    rt = new Client({ connectionString: e.cfg.DATABASE_URL });
    await rt.connect();
    const runtimeDs = e.api.get(DataSource);
    handler = new ArchiveAuditPartitionHandler(
      new TypeOrmUnitOfWork(runtimeDs, new PiiCipher(e.cfg.PII_KEY)),
      new AuditArchiveExporter(runtimeDs, { signingKey: createPrivateKey(key.priv), dir, pageSize: 2 }),
    );
  });
  afterAll(async () => {
    await rt?.end();
    await e?.close();
    // the archive files this suite wrote: every run left one folder in the machine's temp dir
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const archive = (
    month: string,
    actor: ReturnType<typeof archiveCommandContext> | (Omit<ReturnType<typeof archiveCommandContext>, 'actor'> & { actor: Actor }) = archiveCommandContext(
      month,
      'operator-test',
    ),
  ) => handler.execute(new ArchiveAuditPartitionCommand({ month, reason: 'month closed' }, actor));

  story('past months are created by an idempotent SQL function the runtime role may call; rows go in through the parent', async () => {
    const made = (await rt.query(`SELECT p FROM bedlink_ensure_partitions('2023-12-01', '2024-02-01') AS p`)).rows.map((r) => r.p);
    expect(made).toEqual(['audit_log_p202312', 'audit_log_p202401', 'audit_log_p202402', 'outbox_p202312', 'outbox_p202401', 'outbox_p202402']);
    expect((await rt.query(`SELECT p FROM bedlink_ensure_partitions('2023-12-01', '2024-02-01') AS p`)).rows).toEqual([]);
    await append(rt, [...a1, ...a2, ...a3, ...b, ...c1, ...c2]);
    const where = await e.ds.query(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_log WHERE actor_user = 'partition-test' GROUP BY 1 ORDER BY 1`,
    );
    // Shanghai months: 23:59:59 on 31 December (UTC+8) is still December, midnight is January
    expect(where).toEqual([
      { part: 'audit_log_p202312', n: 2 },
      { part: 'audit_log_p202401', n: 7 },
      { part: 'audit_log_p202402', n: 2 },
    ]);
  });

  story('a row of a month without partition waits in the default partition, and moves when its month is created', async () => {
    const [stray] = chain(randomUUID(), { seq: 0, hash: GENESIS_HASH }, [sh('2023-06-15T10:00:00.000')]);
    await append(rt, [stray]);
    const partOf = async () => (await e.ds.query(`SELECT tableoid::regclass::text AS p FROM audit_log WHERE event_id = $1`, [stray.eventId]))[0].p;
    expect(await partOf()).toBe('audit_log_default');
    const before = await e.ds.query(`SELECT seq, hash FROM audit_log WHERE event_id = $1`, [stray.eventId]);
    await rt.query(`SELECT bedlink_ensure_partitions('2023-06-01', '2023-06-01')`);
    expect(await partOf()).toBe('audit_log_p202306');
    // the same row: same seq, same hash
    expect(await e.ds.query(`SELECT seq, hash FROM audit_log WHERE event_id = $1`, [stray.eventId])).toEqual(before);
    // the new default refuses what the old one refused (a row of 2022 waits in it meanwhile)
    const [older] = chain(randomUUID(), { seq: 0, hash: GENESIS_HASH }, [sh('2022-01-15T10:00:00.000')]);
    await append(rt, [older]);
    await expect(e.ds.query(`DELETE FROM audit_log_default`)).rejects.toThrow(/append-only/);
    await expect(e.ds.query(`TRUNCATE audit_log_default`)).rejects.toThrow(/append-only/);
    expect(await failure(rt.query(`DELETE FROM audit_log_default`))).toMatchObject({ message: expect.stringMatching(/permission denied/) });
  });

  story('insert-only holds on every partition: UPDATE, DELETE, TRUNCATE of a partition are refused, even for the owner', async () => {
    for (const sql of [
      `UPDATE audit_log_p202401 SET reason = 'x'`,
      `DELETE FROM audit_log_p202401`,
      `TRUNCATE audit_log_p202401`,
      `UPDATE audit_log SET reason = 'x' WHERE occurred_at < '2024-02-01'`,
      `TRUNCATE audit_log`,
    ]) {
      expect(await failure(e.ds.query(sql))).toMatchObject({ message: expect.stringMatching(/append-only/) });
      // the runtime role is not even granted it
      expect(await failure(rt.query(sql))).toMatchObject({ message: expect.stringMatching(/permission denied|append-only/) });
    }
    expect(await failure(rt.query(`ALTER TABLE audit_log DISABLE TRIGGER USER`))).toMatchObject({ message: expect.stringMatching(/must be owner/) });
  });

  story('detaching or dropping a month without its archive is refused by the database', async () => {
    expect(await failure(rt.query(`SELECT bedlink_detach_audit_partition('2023-12-01')`))).toMatchObject({
      message: expect.stringMatching(/^AUDIT_NOT_ARCHIVED/),
    });
    // the owner's raw DDL too (the event trigger), and the runtime role is not the owner at all
    expect(await failure(e.ds.query(`ALTER TABLE audit_log DETACH PARTITION audit_log_p202312`))).toMatchObject({
      message: expect.stringMatching(/^AUDIT_NOT_ARCHIVED/),
    });
    expect(await failure(e.ds.query(`DROP TABLE audit_log_p202312`))).toMatchObject({ message: expect.stringMatching(/^AUDIT_NOT_ARCHIVED/) });
    expect(await failure(rt.query(`ALTER TABLE audit_log DETACH PARTITION audit_log_p202312`))).toMatchObject({
      message: expect.stringMatching(/must be owner/),
    });
    expect(await e.ds.query(`SELECT 1 FROM pg_inherits WHERE inhrelid = 'audit_log_p202312'::regclass`)).toHaveLength(1);
  });

  story('ArchiveAuditPartition refuses an open month, a month out of order, another role, a malformed month', async () => {
    const now = new Date();
    const thisMonth = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
    await expect(archive(thisMonth)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/not closed/) });
    await expect(archive('2024-01')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/audit_log_p2023\d\d is older/) });
    await expect(archive('2024-13')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const auditor = { ...archiveCommandContext('2023-06', 'a'), actor: { userId: 'aud', role: 'AUDITOR' as const, institutionId: null, districtId: 'd1' } };
    await expect(archive('2023-06', auditor)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await e.ds.query(`SELECT 1 FROM audit_archives`)).toHaveLength(0);
  });

  story('archives June, then December through the domain: the archive record, its audit record, outbox row and command result in one go', async () => {
    const june = await archive('2023-06');
    files['2023-06'] = june.file;
    const dec = await archive('2023-12');
    files['2023-12'] = dec.file;
    expect(dec).toMatchObject({ month: '2023-12', partition: 'audit_log_p202312', rowCount: 2, chains: 2 });
    const [row] = await e.ds.query(`SELECT id::text, row_count::int, prev_signature, signature, created_by FROM audit_archives WHERE month = '2023-12-01'`);
    expect(row).toMatchObject({ id: dec.archiveId, row_count: 2, created_by: 'operator-test' });
    expect(row.prev_signature).toBe((await e.ds.query(`SELECT signature FROM audit_archives WHERE month = '2023-06-01'`))[0].signature);
    const [rec] = await e.ds.query(`SELECT aggregate_type, event_type, actor_role, actor_user, reason, payload FROM audit_log WHERE aggregate_id = $1`, [
      dec.archiveId,
    ]);
    expect(rec).toMatchObject({ aggregate_type: 'AuditArchive', event_type: 'AuditPartitionArchived', actor_role: 'SYSTEM', actor_user: 'operator-test' });
    expect(rec.payload).toMatchObject({ month: '2023-12', rowCount: 2, fileSha256: dec.fileSha256 });
    expect(await e.ds.query(`SELECT 1 FROM outbox WHERE aggregate_id = $1 AND event_type = 'AuditPartitionArchived'`, [dec.archiveId])).toHaveLength(1);
    expect(await e.ds.query(`SELECT 1 FROM command_log WHERE id = 'audit-archive:2023-12' AND ok`)).toHaveLength(1);
    // the archive record is insert-only like the log
    await expect(e.ds.query(`UPDATE audit_archives SET row_count = 3`)).rejects.toThrow(/append-only/);
    // twice: refused, the first archive stands
    await expect(archive('2023-12', { ...archiveCommandContext('2023-12', 'again'), commandId: randomUUID() })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
  });

  story('January archived with npm run audit:archive, detached oldest first; the files verify offline with npm run audit:verify -- --file', async () => {
    const env = { ...process.env, DATABASE_URL: e.cfg.DATABASE_URL, AUDIT_SIGNING_KEY: key.priv, AUDIT_VERIFY_KEY: key.pub, AUDIT_ARCHIVE_DIR: dir };
    const out = await run('npm', ['run', '-s', 'audit:archive', '--', '--month', '2024-01', '--operator', 'ops-cli'], { env, cwd: process.cwd() });
    expect(out.stdout).toMatch(/archived 2024-01: 7 records in 3 chains/);
    files['2024-01'] = join(dir, 'audit-2024-01.ndjson.gz');
    // February is not archived: not detachable; January is archived but December is still attached: oldest first
    expect(await failure(rt.query(`SELECT bedlink_detach_audit_partition('2024-02-01')`))).toMatchObject({
      message: expect.stringMatching(/^AUDIT_NOT_ARCHIVED/),
    });
    expect(await failure(rt.query(`SELECT bedlink_detach_audit_partition('2024-01-01')`))).toMatchObject({
      message: expect.stringMatching(/^AUDIT_PARTITION_ORDER/),
    });
    for (const m of ['2023-06-01', '2023-12-01', '2024-01-01']) await rt.query(`SELECT bedlink_detach_audit_partition($1)`, [m]);
    expect(await e.ds.query(`SELECT 1 FROM audit_log WHERE aggregate_id = ANY($1) AND occurred_at < '2024-01-31T16:00:00Z'`, [[A, B, C]])).toHaveLength(0);
    // the runtime role lost every right on the detached table; the operator may drop it now
    expect(await failure(rt.query(`SELECT count(*) FROM audit_log_p202312`))).toMatchObject({ message: expect.stringMatching(/permission denied/) });
    await e.ds.query(`DROP TABLE audit_log_p202306`);

    const offline = { ...process.env, AUDIT_SIGNING_KEY: '', AUDIT_VERIFY_KEY: key.pub, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const v = await run('npm', ['run', '-s', 'audit:verify', '--', '--file', files['2023-12'], '--file', files['2024-01']], {
      env: offline,
      cwd: process.cwd(),
    });
    expect(v.stdout).toMatch(/archive OK: .*2023-12, 2 records in 2 chains/);
    expect(v.stdout).toMatch(/archive OK: .*2024-01, 7 records in 3 chains/);
    const jan = await verifyArchiveFile(files['2024-01'], createPublicKey(key.pub));
    // the chains that began before January start from the heads December signed
    expect(jan.startHeads!.map((h) => h.id).sort()).toEqual([A, C].sort());
    expect(jan.endHeads!.find((h) => h.id === A)).toMatchObject({ seq: 4, hash: a2[2].hash });
  });

  story('after detaching, verification resumes at the archive boundary: full and incremental hold, and a new checkpoint too', async () => {
    const verifyKey = createPublicKey(key.pub);
    const full = await verifyAudit(e.ds, { verifyKey, full: true });
    expect(full).toMatchObject({ ok: true, mode: 'full' });
    await writeAuditCheckpoint(e.ds, createPrivateKey(key.priv));
    const inc = await verifyAudit(e.ds, { verifyKey });
    expect(inc).toMatchObject({ ok: true, mode: 'incremental', records: 0 });
    // B lives only in a detached month: its signed head stays where a checkpoint named it
    const signedB = await e.ds.query(
      `SELECT aggregate_seq AS seq, hash FROM audit_checkpoint_heads WHERE aggregate_id = $1 ORDER BY checkpoint_id DESC LIMIT 1`,
      [B],
    );
    expect(signedB).toEqual([{ seq: 3, hash: b[2].hash }]);
  });

  story('the retention job keeps months made ahead and drops whole outbox months past retention, never one with an unsent row', async () => {
    const pruner = new RetentionPruner(e.api.get(DataSource), e.cfg, {} as LeaderElection);
    // the months ahead exist already (the migration made them): nothing to create, twice
    expect(await pruner.ensurePartitions()).toEqual([]);
    const ahead = new Date(Date.now() + 8 * 3600_000);
    ahead.setUTCMonth(ahead.getUTCMonth() + e.cfg.PARTITIONS_AHEAD_MONTHS, 1);
    const aheadName = `outbox_p${ahead.toISOString().slice(0, 7).replace('-', '')}`;
    expect(await e.ds.query(`SELECT to_regclass($1) IS NOT NULL AS made`, [aheadName])).toEqual([{ made: true }]);

    const outbox = (createdAt: string, sent: boolean) =>
      rt.query(
        `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata, created_at, sent_at) VALUES ($1, 'OfferExtended', 'Referral', $2, '{}', '{}', $3, $4)`,
        [randomUUID(), randomUUID(), createdAt, sent ? createdAt : null],
      );
    await outbox('2023-12-05T00:00:00Z', true);
    await outbox('2023-12-06T00:00:00Z', true);
    await outbox('2024-01-05T00:00:00Z', true);
    // a row never relayed keeps its month (in one transaction: the live relay would send it at once)
    await rt.query('BEGIN');
    try {
      await outbox('2024-01-06T00:00:00Z', false);
      const kept = (await rt.query(`SELECT part FROM bedlink_drop_outbox_partitions(now() - interval '30 days')`)).rows.map((x) => x.part);
      expect(kept).toEqual(expect.arrayContaining(['outbox_p202312']));
      expect(kept).not.toContain('outbox_p202401');
    } finally {
      await rt.query('ROLLBACK');
    }
    const r = await pruner.prune();
    expect(r.droppedPartitions).toEqual(expect.arrayContaining(['outbox_p202306', 'outbox_p202312', 'outbox_p202401', 'outbox_p202402']));
    expect(r.outbox).toBeGreaterThanOrEqual(3);
    expect(await e.ds.query(`SELECT to_regclass('outbox_p202312') AS t`)).toEqual([{ t: null }]);
    // the current month is never dropped, whatever the caller asks
    expect((await rt.query(`SELECT part FROM bedlink_drop_outbox_partitions(now() + interval '10 years')`)).rows.map((x) => x.part)).not.toContain(
      `outbox_p${new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7).replace('-', '')}`,
    );
  });

  describe('a tampered file fails with a clear reason', () => {
    const lines = () => gunzipSync(readFileSync(files['2024-01'])).toString('utf8').split('\n');
    const write = (name: string, ls: string[]) => {
      const p = join(dir, name);
      writeFileSync(p, gzipSync(Buffer.from(ls.join('\n'))));
      return p;
    };
    const verifyKey = () => createPublicKey(key.pub);
    const rowAt = (ls: string[], aggregateId: string, seq: number) =>
      ls.findIndex((l) => l.includes('"kind":"row"') && JSON.parse(l).aggregateId === aggregateId && JSON.parse(l).aggregateSeq === seq);

    story('one row changed → HASH_MISMATCH naming it; changed with its hash and the chain recomputed → the signed digests differ', async () => {
      const ls = lines();
      const i = rowAt(ls, B, 2);
      const r = JSON.parse(ls[i]);
      ls[i] = JSON.stringify({ ...r, payload: { note: 'rewritten' } });
      const v = await verifyArchiveFile(write('changed.ndjson.gz', ls), verifyKey());
      expect(v).toMatchObject({ ok: false, problem: 'HASH_MISMATCH', at: { aggregateId: B, aggregateSeq: 2, seq: r.seq } });
      expect(v.reason).toContain(`record Referral ${B} seq 2`);

      // a forger who recomputes every hash of the chain still cannot produce the signed digests
      const ls2 = lines();
      let prev = JSON.parse(ls2[rowAt(ls2, B, 1)]).hash as string;
      for (const s of [2, 3]) {
        const j = rowAt(ls2, B, s);
        const x = JSON.parse(ls2[j]);
        const payload = s === 2 ? { note: 'rewritten' } : x.payload;
        const { kind: _k, seq: _s, hash: _h, ...fields } = x;
        const hash = auditHash({ ...fields, payload, prevHash: prev, occurredAt: new Date(x.occurredAt) });
        ls2[j] = JSON.stringify({ ...x, payload, prevHash: prev, hash });
        prev = hash;
      }
      const v2 = await verifyArchiveFile(write('forged.ndjson.gz', ls2), verifyKey());
      expect(v2).toMatchObject({ ok: false, problem: 'ROWS_DIGEST' });
    });

    story('one row removed → SEQUENCE_GAP in the middle of a chain, END_MISMATCH or ROW_COUNT at its end', async () => {
      const ls = lines();
      ls.splice(rowAt(ls, B, 2), 1);
      expect(await verifyArchiveFile(write('gap.ndjson.gz', ls), verifyKey())).toMatchObject({
        ok: false,
        problem: 'SEQUENCE_GAP',
        at: { aggregateId: B, aggregateSeq: 3 },
      });
      const ls2 = lines();
      ls2.splice(rowAt(ls2, B, 3), 1);
      const v = await verifyArchiveFile(write('tail.ndjson.gz', ls2), verifyKey());
      expect(v).toMatchObject({ ok: false, problem: 'ROW_COUNT' });
      expect(v.reason).toMatch(/holds 6 record\(s\), its end record signed 7/);
    });

    story('a wrong signature → SIGNATURE; the right file under another key → SIGNATURE naming both keys', async () => {
      const ls = lines();
      const endAt = ls.findIndex((l) => l.includes('"kind":"end"'));
      const end = JSON.parse(ls[endAt]);
      const sig = Buffer.from(end.signature, 'base64');
      sig[0] ^= 0xff;
      ls[endAt] = JSON.stringify({ ...end, signature: sig.toString('base64') });
      const p = write('badsig.ndjson.gz', ls);
      expect(await verifyArchiveFile(p, verifyKey())).toMatchObject({ ok: false, problem: 'SIGNATURE' });
      const other = keyPair();
      const v = await verifyArchiveFile(files['2024-01'], createPublicKey(other.pub));
      expect(v).toMatchObject({ ok: false, problem: 'SIGNATURE', reason: expect.stringMatching(/the file names key [0-9a-f]{16}/) });
      // the CLI says so and exits 1
      const offline = { ...process.env, AUDIT_SIGNING_KEY: '', AUDIT_VERIFY_KEY: key.pub };
      const r = await run('npm', ['run', '-s', 'audit:verify', '--', '--file', p], { env: offline, cwd: process.cwd() }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/archive BROKEN: .*SIGNATURE: the end checkpoint's signature does not verify/);
    });

    story('files out of order or from another history do not link', async () => {
      const res = await verifyArchiveFiles([files['2023-06'], files['2024-01']], createPublicKey(key.pub));
      expect(res[res.length - 1]).toMatchObject({ ok: false, problem: 'PREVIOUS_MISMATCH' });
    });
  });

  story('incremental verify reads only the records after the last checkpoint and still catches a rewrite there', async () => {
    const verifyKey = createPublicKey(key.pub);
    // many records before the checkpoint (this month: the partitions made ahead at migration)
    const now = new Date();
    const many: Rec[] = [];
    for (let i = 0; i < 40; i++)
      many.push(
        ...chain(
          randomUUID(),
          { seq: 0, hash: GENESIS_HASH },
          Array.from({ length: 50 }, () => now),
        ),
      );
    for (let i = 0; i < many.length; i += 500) await append(rt, many.slice(i, i + 500));
    await writeAuditCheckpoint(e.ds, createPrivateKey(key.priv));
    const after = chain(randomUUID(), { seq: 0, hash: GENESIS_HASH }, [now, now, now]);
    await append(rt, after);

    const inc = await verifyAudit(e.ds, { verifyKey });
    expect(inc).toMatchObject({ ok: true, mode: 'incremental', records: 3 });
    const full = await verifyAudit(e.ds, { verifyKey, full: true });
    expect(full.ok).toBe(true);
    expect(full.records).toBeGreaterThanOrEqual(2000 + 3);

    // a rewrite after the checkpoint, made by the owner with the partition's trigger off
    const [{ part }] = await e.ds.query(`SELECT tableoid::regclass::text AS part FROM audit_log WHERE event_id = $1`, [after[1].eventId]);
    await e.ds.query(`ALTER TABLE ${part} DISABLE TRIGGER audit_log_no_update`);
    try {
      await e.ds.query(`UPDATE ${part} SET payload = '{"note":"rewritten"}' WHERE event_id = $1`, [after[1].eventId]);
    } finally {
      await e.ds.query(`ALTER TABLE ${part} ENABLE TRIGGER audit_log_no_update`);
    }
    expect(await verifyAudit(e.ds, { verifyKey })).toMatchObject({
      ok: false,
      mode: 'incremental',
      records: 2,
      firstBreak: { problem: 'HASH_MISMATCH', aggregateId: after[1].aggregateId, aggregateSeq: 2 },
    });
  });
});
