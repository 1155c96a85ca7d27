import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Client, Pool } from 'pg';
import { ALL_QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { BedKind, ServiceCode } from '@bedlink/domain';
import { createDataSource, findCandidates, PiiCipher } from '@bedlink/persistence';
import { migrate } from '../scripts/migrate';
import { checkInvariants } from './invariants';
import { closedLoop, CommandSample, LoadDriver, loadRegistry, openLoop } from './load';
import { seed } from './seed';
import { cpuSeconds, freePorts, machineCpuSeconds, Proc, ROOT, round, rssMb, sleep, startApp, stopApp, summary, waitForHealth } from './support';

/**
 * npm run bench [-- --quick] [--compiled] [--rate 200] [--warm 10] [--warm-users 16] [--open 60] [--closed 30] [--users 32] [--workers 1] [--apis 1] [--keep]
 * Seeds its own database, starts api and worker as separate processes, measures, and prints
 * one JSON object as the last line. See docs/performance.md.
 */

const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(`--${n}`);
const num = (n: string, d: number) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const quick = flag('quick');
const compiled = flag('compiled');
const P = {
  mode: quick ? 'quick' : 'full',
  districts: num('districts', quick ? 4 : 16),
  institutions: num('institutions', quick ? 100 : 400),
  beds: num('beds', 100_000),
  patients: num('patients', quick ? 8_000 : 50_000),
  offeredCommandsPerSec: num('rate', 200),
  /**
   * The warm-up before the open loop: a closed loop of 16 users. Freshly started processes run 1.5× the
   * CPU per command for their first few thousand commands, while V8 compiles their hot paths (the API's
   * CPU at a steady 200 commands/s offered fell from 0.49 to 0.31 cores over 7 s; Postgres' stayed flat).
   * Three seconds of 4 users left that in the open loop's first 10 s; what it costs is reported apart
   * (detail.warmUp: the warm-up's first and last seconds).
   */
  warmSeconds: num('warm', 10),
  warmUsers: num('warm-users', 16),
  openSeconds: num('open', quick ? 20 : 60),
  closedSeconds: num('closed', quick ? 15 : 30),
  users: num('users', 32),
  baselineSeconds: num('baseline', quick ? 5 : 10),
  drainRows: num('drain', quick ? 10_000 : 20_000),
  matchQueries: num('match', quick ? 300 : 1000),
  declineShare: 0.25,
  /** Worker and API processes; the load driver spreads requests over the APIs in turn. */
  workers: num('workers', 1),
  apis: num('apis', 1),
  processes: compiled ? 'compiled (npm run build; node dist/apps/*/src/main.js)' : 'node -r @swc-node/register apps/*/src/main.ts',
};
const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB = `bedlink_bench_${process.env.BENCH_DB_TAG ?? 'run'}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB}`;
  return u.toString();
})();
const PREFIX = `blbench${randomBytes(4).toString('hex')}`;
const JWT_SECRET = `bench-${randomBytes(24).toString('hex')}`;
const PII_KEY = randomBytes(32).toString('hex');

/**
 * The candidate query measured until the real matcher lands (libs/persistence/src/matching/):
 * free beds of a kind in a district with the required services and no live hold, nearest
 * institution first, top 10. Written as "institutions of the district by distance, then up to 10
 * beds of each" so the nested loop stops after the first institutions that have room, instead of
 * sorting every free bed of the district by distance; beds_institution (institution_id, kind,
 * status) serves the inner lookup, reservations_one_live_per_bed the hold check.
 */
const MATCH_SQL = `
  SELECT c.id, c.institution_id, i.d2
  FROM (SELECT id, (lat - $4) ^ 2 + (lng - $5) ^ 2 AS d2 FROM institutions WHERE district_id = $1 ORDER BY d2, id) i
  CROSS JOIN LATERAL (
    SELECT b.id, b.institution_id FROM beds b
    WHERE b.institution_id = i.id AND b.kind = $2 AND b.status = 'U' AND b.services @> $3::text[]
      AND NOT EXISTS (SELECT 1 FROM reservations x WHERE x.bed_id = b.id AND x.state = 'HELD')
    LIMIT 10
  ) c
  ORDER BY i.d2, i.id
  LIMIT 10`;

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function dropDb(): Promise<void> {
  if (!DB.includes('bench')) throw new Error(`refusing to drop ${DB}`);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`));
}

async function versions(): Promise<{ postgres: string; redis: string }> {
  const postgres = await admin(async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string);
  const r = new IORedis(REDIS_URL);
  const info = await r.info('server');
  await r.quit();
  return { postgres, redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?' };
}

/** The Redis server's CPU seconds so far (INFO cpu). The whole server's: on a Redis shared with other work it counts that too. */
async function redisCpuSeconds(): Promise<number> {
  const r = new IORedis(REDIS_URL);
  try {
    const info = await r.info('cpu');
    return ['used_cpu_sys', 'used_cpu_user'].reduce((a, k) => a + Number(new RegExp(`^${k}:(\\S+)`, 'm').exec(info)?.[1] ?? 0), 0);
  } finally {
    await r.quit();
  }
}

/** The engine's own matcher (libs/persistence/src/matching: query + ranking with explanations), top 10. */
async function measureMatcher(): Promise<{ p50: number; p99: number; n: number; rowsAvg: number }> {
  const ds = createDataSource(dbUrl, 2);
  await ds.initialize();
  try {
    const hospitals: { id: string; district_id: string; lat: number; lng: number }[] = await ds.query(
      `SELECT id, district_id, lat, lng FROM institutions WHERE type = 'REGIONAL_MEDICAL_CENTRE'`,
    );
    const asks: [BedKind, ServiceCode[]][] = [
      ['COMMUNITY', ['REHAB']],
      ['COMMUNITY', ['REHAB', 'OXYGEN']],
      ['CARE_HOME', ['NURSING']],
      ['CARE_HOME', ['NURSING', 'DEMENTIA']],
      ['HOSPICE', ['HOSPICE']],
    ];
    const times: number[] = [];
    let rows = 0;
    for (let k = 0; k < P.matchQueries; k++) {
      const h = hospitals[k % hospitals.length];
      const [kind, services] = asks[k % asks.length];
      const t0 = performance.now();
      const found = await findCandidates(
        ds,
        {
          kind,
          services,
          sex: null,
          careLevel: 3,
          originInstitutionId: h.id,
          originLat: h.lat,
          originLng: h.lng,
          familyDoctorInstitutionId: null,
          districtId: h.district_id,
          direction: 'DOWNWARD',
          cooperationDefault: 'SAME_DISTRICT_ALLOWED',
        },
        10,
      );
      times.push(performance.now() - t0);
      rows += found.length;
    }
    const s = summary(times);
    return { p50: s.p50, p99: s.p99, n: s.n, rowsAvg: round(rows / P.matchQueries, 1) };
  } finally {
    await ds.destroy();
  }
}

async function measureMatch(): Promise<{ p50: number; p99: number; n: number; rowsAvg: number }> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const districts = (await c.query(`SELECT DISTINCT district_id FROM institutions`)).rows.map((r) => r.district_id as string);
    const hospitals = (await c.query(`SELECT district_id, lat, lng FROM institutions WHERE type = 'REGIONAL_MEDICAL_CENTRE'`)).rows;
    const asks: [string, string[]][] = [
      ['COMMUNITY', ['REHAB']],
      ['COMMUNITY', ['REHAB', 'OXYGEN']],
      ['CARE_HOME', ['NURSING']],
      ['CARE_HOME', ['NURSING', 'DEMENTIA']],
      ['HOSPICE', ['HOSPICE']],
    ];
    const times: number[] = [];
    let rows = 0;
    for (let k = 0; k < P.matchQueries; k++) {
      const d = districts[k % districts.length];
      const h = hospitals.find((x) => x.district_id === d) ?? hospitals[0];
      const [kind, services] = asks[k % asks.length];
      const t0 = performance.now();
      const r = await c.query({ name: 'match', text: MATCH_SQL, values: [d, kind, services, h.lat, h.lng] });
      times.push(performance.now() - t0);
      rows += r.rowCount ?? 0;
    }
    const s = summary(times);
    return { p50: s.p50, p99: s.p99, n: s.n, rowsAvg: round(rows / P.matchQueries, 1) };
  } finally {
    await c.end();
  }
}

/** Raw pg: the same shape as a command's transaction, at the same client concurrency. */
async function baselinePg(seconds: number, concurrency: number): Promise<{ txPerSec: number; p50: number; p99: number }> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  await c.query(`
    CREATE TABLE bench_rows (id int PRIMARY KEY, state text NOT NULL, version int NOT NULL, chain_seq int NOT NULL DEFAULT 0, chain_hash text, updated_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO bench_rows (id, state, version) SELECT g, 'S', 1 FROM generate_series(1, 20000) g;
    CREATE TABLE bench_audit (LIKE audit_log INCLUDING DEFAULTS INCLUDING INDEXES);
    CREATE TABLE bench_outbox (LIKE outbox INCLUDING DEFAULTS INCLUDING INDEXES);
    CREATE TABLE bench_command_log (LIKE command_log INCLUDING DEFAULTS INCLUDING INDEXES);
    CREATE FUNCTION bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('bench_outbox', ''); RETURN NULL; END $$;
    CREATE TRIGGER bench_outbox_wake AFTER INSERT ON bench_outbox FOR EACH STATEMENT EXECUTE FUNCTION bench_notify();
  `);
  await c.end();
  const pool = new Pool({ connectionString: dbUrl, max: concurrency });
  const end = Date.now() + seconds * 1000;
  const times: number[] = [];
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const id = 1 + Math.floor(Math.random() * 20000);
        const s = performance.now();
        const cl = await pool.connect();
        try {
          await cl.query('BEGIN');
          const [row] = (await cl.query('SELECT version, chain_seq FROM bench_rows WHERE id = $1 FOR UPDATE', [id])).rows;
          const u = await cl.query(
            `UPDATE bench_rows SET state = 'O', version = version + 1, chain_seq = chain_seq + 1, chain_hash = $3, updated_at = now() WHERE id = $1 AND version = $2`,
            [id, row.version, randomBytes(32).toString('hex')],
          );
          if (u.rowCount !== 1) throw new Error('version conflict');
          const ev = randomUUID();
          const agg = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`;
          await cl.query(
            `INSERT INTO bench_audit (aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, reason, correlation_id, causation_id, occurred_at, prev_hash, hash)
             VALUES ('Referral', $1, $2, $3, 'OfferAccepted', $4, 'u', 'DISCHARGE_PLANNER', null, null, $5, null, now(), $6, $7)`,
            [
              agg,
              row.chain_seq + 1,
              ev,
              JSON.stringify({ referralId: agg, offerId: ev }),
              randomUUID(),
              randomBytes(32).toString('hex'),
              randomBytes(32).toString('hex'),
            ],
          );
          await cl.query(
            `INSERT INTO bench_outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata) VALUES ($1, 'OfferAccepted', 'Referral', $2, $3, $4)`,
            [ev, agg, JSON.stringify({ referralId: agg }), JSON.stringify({ commandId: ev })],
          );
          await cl.query(`INSERT INTO bench_command_log (id, command_type, actor_user, ok, result) VALUES ($1, 'AcceptOffer', 'u', true, $2)`, [
            `c${ev}`,
            JSON.stringify({ ok: true }),
          ]);
          await cl.query('COMMIT');
          n++;
          times.push(performance.now() - s);
        } catch {
          await cl.query('ROLLBACK').catch(() => undefined);
        } finally {
          cl.release();
        }
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await pool.end();
  const s = summary(times);
  return { txPerSec: round(n / secs, 1), p50: s.p50, p99: s.p99 };
}

/** Raw BullMQ: add → completed by a no-op worker, at the offered command rate. */
async function baselineBullmq(seconds: number, rate: number): Promise<{ p50: number; p99: number; n: number }> {
  const connection = redisOptionsFromUrl(REDIS_URL);
  const prefix = `${PREFIX}base`;
  const q = new Queue('bench-noop', { connection, prefix });
  const started = new Map<string, number>();
  const times: number[] = [];
  const w = new Worker('bench-noop', async () => ({}), { connection: { ...connection, maxRetriesPerRequest: null }, prefix, concurrency: 16 });
  w.on('completed', (job) => {
    const t = started.get(job.id!);
    if (t !== undefined) times.push(performance.now() - t);
  });
  await w.waitUntilReady();
  const total = Math.floor(seconds * rate);
  const t0 = performance.now();
  const adds: Promise<unknown>[] = [];
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const id = `j${k}`;
    started.set(id, performance.now());
    adds.push(q.add('noop', { k }, { jobId: id, removeOnComplete: true }));
  }
  await Promise.all(adds);
  const until = Date.now() + 10_000;
  while (times.length < total && Date.now() < until) await sleep(20);
  await w.close();
  await q.obliterate({ force: true }).catch(() => undefined);
  await q.close();
  const s = summary(times);
  return { p50: s.p50, p99: s.p99, n: s.n };
}

type E2e = { p50: number; p99: number; n: number; measured: string };

/**
 * Commit → projection for the bed board's events of [from, to]. With the server's `track_commit_timestamp`
 * on, both ends are commits: the command's (its audit record's transaction: the outbox row is rewritten by
 * the relay's claim, so its own xmin is the relay's) and the bed board's (its inbox row's). Without it, the
 * columns: outbox.created_at, stamped by the command's last statement with COMMIT behind it, to
 * inbox.handled_at, the consumer's transaction start (`now()`), which leaves out the consumer's own
 * statements and its COMMIT. Both are returned when both can be read; the targets take the commits'.
 */
async function e2eLatency(from: Date, to: Date): Promise<E2e & { columns: E2e }> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const of = (rows: { ms: string }[], measured: string): E2e => {
    const s = summary(rows.map((r) => Number(r.ms)));
    return { p50: s.p50, p99: s.p99, n: s.n, measured };
  };
  try {
    const events = `outbox o JOIN inbox i ON i.event_id = o.event_id AND i.consumer = 'bed-board'`;
    const inWindow = `o.created_at BETWEEN $1 AND $2`;
    const columns = of(
      (await c.query(`SELECT extract(epoch FROM i.handled_at - o.created_at) * 1000 AS ms FROM ${events} WHERE ${inWindow}`, [from, to])).rows,
      'outbox.created_at (the row written, COMMIT behind it; migration 1735500000000) → inbox.handled_at (the consumer transaction’s start)',
    );
    const [{ on }] = (await c.query(`SELECT current_setting('track_commit_timestamp') = 'on' AS on`)).rows;
    if (!on) return { ...columns, columns };
    const commits = of(
      (
        await c.query(
          `SELECT extract(epoch FROM pg_xact_commit_timestamp(i.xmin) - pg_xact_commit_timestamp(a.xmin)) * 1000 AS ms
           FROM ${events} JOIN audit_log a ON a.event_id = o.event_id
           WHERE ${inWindow} AND pg_xact_commit_timestamp(a.xmin) IS NOT NULL AND pg_xact_commit_timestamp(i.xmin) IS NOT NULL`,
          [from, to],
        )
      ).rows,
      'the command’s commit (its audit record’s transaction) → the bed board’s commit (its inbox row’s), track_commit_timestamp',
    );
    return { ...commits, columns };
  } finally {
    await c.end();
  }
}

/**
 * Relay lag (outbox.created_at, stamped by the command's last statement with COMMIT behind it, → sent_at)
 * and consumer lag (sent_at → inbox.handled_at) per consumer, for events created in [from, to].
 */
async function eventLags(
  from: Date,
  to: Date,
): Promise<Record<string, { n: number; relayP50: number; relayP99: number; consumerP50: number; consumerP99: number }>> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const rows = (
      await c.query(
        `SELECT i.consumer, extract(epoch FROM o.sent_at - o.created_at) * 1000 AS relay, extract(epoch FROM i.handled_at - o.sent_at) * 1000 AS lag
         FROM outbox o JOIN inbox i ON i.event_id = o.event_id WHERE o.created_at BETWEEN $1 AND $2 AND o.sent_at IS NOT NULL`,
        [from, to],
      )
    ).rows as { consumer: string; relay: string; lag: string }[];
    const out: Record<string, { n: number; relayP50: number; relayP99: number; consumerP50: number; consumerP99: number }> = {};
    for (const k of [...new Set(rows.map((r) => r.consumer))]) {
      const of = rows.filter((r) => r.consumer === k);
      const rl = summary(of.map((r) => Number(r.relay)));
      const cl = summary(of.map((r) => Number(r.lag)));
      out[k] = { n: rl.n, relayP50: rl.p50, relayP99: rl.p99, consumerP50: cl.p50, consumerP99: cl.p99 };
    }
    return out;
  } finally {
    await c.end();
  }
}

/** N outbox rows (each for one consumer queue) appear in one commit; time until the relay has sent them all. */
type RelayPasses = { passes: number; minRows: number; maxRows: number; avgRows: number };
async function outboxDrain(n: number): Promise<{ perSec: number; ms: number; passes: RelayPasses }> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const [{ max }] = (await c.query(`SELECT coalesce(max(id), 0)::text AS max FROM outbox`)).rows;
    await c.query(
      `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata)
       SELECT gen_random_uuid(), 'BedStatusChanged', 'Bed', gen_random_uuid(), '{"bench":"drain"}', '{"commandId":"bench-drain","aggregateSeq":1}' FROM generate_series(1, $1::int)`,
      [n],
    );
    const t0 = performance.now();
    for (;;) {
      const [{ left }] = (await c.query(`SELECT count(*)::int AS left FROM outbox WHERE id > $1 AND sent_at IS NULL`, [max])).rows;
      if (left === 0) break;
      if (performance.now() - t0 > 120_000) throw new Error(`outbox drain: ${left} rows still unsent after 120 s`);
      await sleep(10);
    }
    const ms = performance.now() - t0;
    // Relay passes: every row of one claim carries that transaction's now() as sent_at. A slow drain made of
    // many small claims (the relay then waits its poll interval between them) reads differently from one
    // made of a few slow full ones.
    const [passes] = (
      await c.query(
        `SELECT count(*)::int AS passes, min(n)::int AS "minRows", max(n)::int AS "maxRows", round(avg(n))::int AS "avgRows"
           FROM (SELECT sent_at, count(*) AS n FROM outbox WHERE id > $1 GROUP BY sent_at) p`,
        [max],
      )
    ).rows as RelayPasses[];
    return { perSec: round(n / (ms / 1000), 0), ms: round(ms, 0), passes };
  } finally {
    await c.end();
  }
}

async function cleanRedis(): Promise<void> {
  const r = new IORedis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

/**
 * What the engine is waiting on, sampled once a second during the loops: Postgres backends of
 * this database by state and wait event (a lock or a pool shows here, not in CPU), and the jobs
 * per queue (a backlog, a stuck queue). Printed with the progress lines and kept in `detail`.
 */
class WaitSampler {
  readonly samples: { at: number; pg: Record<string, number>; queues: Record<string, Record<string, number>> }[] = [];
  private timer?: NodeJS.Timeout;
  private readonly queues: Queue[];
  constructor(private readonly pg: Client) {
    const connection = redisOptionsFromUrl(REDIS_URL);
    this.queues = ALL_QUEUES.map((q) => new Queue(q, { connection, prefix: PREFIX }));
  }
  start(): void {
    let busy = false;
    const sample = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        const rows = (
          await this.pg.query(
            `SELECT coalesce(state, '?') || coalesce('/' || wait_event_type || ':' || wait_event, '') AS k, count(*)::int AS n
             FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1`,
            [DB],
          )
        ).rows as { k: string; n: number }[];
        const queues: Record<string, Record<string, number>> = {};
        for (const q of this.queues) {
          const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
          const nz = Object.fromEntries(Object.entries(c).filter(([, v]) => v > 0));
          if (Object.keys(nz).length) queues[q.name] = nz;
        }
        this.samples.push({ at: Date.now(), pg: Object.fromEntries(rows.map((r) => [r.k, r.n])), queues });
      } catch {
        /* a sample missed is no error of the engine */
      } finally {
        busy = false;
      }
    };
    this.timer = setInterval(() => void sample(), 1000);
  }
  last(): string {
    const s = this.samples[this.samples.length - 1];
    if (!s) return '';
    const q = Object.entries(s.queues).map(
      ([k, v]) =>
        `${k} ${Object.entries(v)
          .map(([a, b]) => `${a}=${b}`)
          .join(',')}`,
    );
    return `pg ${JSON.stringify(s.pg)} queues ${q.join('; ') || 'empty'}`;
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.queues.map((q) => q.close()));
  }
}

type WorkCounts = { sql: number; sqlTrips: number; redis: number; redisTrips: number; jobs: number };

/** What bench/work-counter.ts last wrote for each of the bench's processes ({} before its first write), with its kind (api, worker). */
function counterFiles(dir: string, procs: Proc[]): { kind: string; file: Partial<WorkCounts> & { loop?: { active: number; idle: number } } }[] {
  return procs.map((p) => {
    const kind = p.name.replace(/\d+$/, '');
    try {
      return { kind, file: JSON.parse(readFileSync(join(dir, `${p.child.pid}.json`), 'utf8')) };
    } catch {
      return { kind, file: {} }; // not written yet
    }
  });
}

/** The work counters of the bench's processes, summed per kind. */
function workCounts(dir: string, procs: Proc[]): Record<string, WorkCounts> {
  const out: Record<string, WorkCounts> = {};
  for (const { kind, file } of counterFiles(dir, procs)) {
    const t = (out[kind] ??= { sql: 0, sqlTrips: 0, redis: 0, redisTrips: 0, jobs: 0 });
    for (const k of Object.keys(t) as (keyof WorkCounts)[]) t[k] += file[k] ?? 0;
  }
  return out;
}

type LoopTimes = Record<string, { active: number; idle: number }>;

/** The event loops' busy and idle ms so far, summed per kind. */
function loopTimes(dir: string, procs: Proc[]): LoopTimes {
  const out: LoopTimes = {};
  for (const { kind, file } of counterFiles(dir, procs)) {
    const t = (out[kind] ??= { active: 0, idle: 0 });
    t.active += file.loop?.active ?? 0;
    t.idle += file.loop?.idle ?? 0;
  }
  return out;
}

/**
 * The share of [a, b] each kind's event loop was busy (the mean over its processes): a loop busy near 1 is a
 * serial stage, whatever its process' CPU says (a callback that waits for a core counts as busy). Read from
 * files written every 500 ms, so each end may be half a second stale.
 */
function loopBusy(a: LoopTimes, b: LoopTimes): Record<string, number> {
  return Object.fromEntries(
    Object.keys(b).map((kind) => {
      const active = b[kind].active - (a[kind]?.active ?? 0);
      const idle = b[kind].idle - (a[kind]?.idle ?? 0);
      return [kind, round(active / Math.max(1e-9, active + idle), 2)];
    }),
  );
}

/** (b - a) / n per kind and in total, one decimal. */
function workPer(a: Record<string, WorkCounts>, b: Record<string, WorkCounts>, n: number): Record<string, WorkCounts> {
  const out: Record<string, WorkCounts> = {};
  const total: WorkCounts = { sql: 0, sqlTrips: 0, redis: 0, redisTrips: 0, jobs: 0 };
  for (const kind of Object.keys(b)) {
    const r = {} as WorkCounts;
    for (const k of Object.keys(total) as (keyof WorkCounts)[]) {
      const d = b[kind][k] - (a[kind]?.[k] ?? 0);
      r[k] = round(d / Math.max(1, n), 1);
      total[k] += d;
    }
    out[kind] = r;
  }
  out.total = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, round(v / Math.max(1, n), 1)])) as WorkCounts;
  return out;
}

/** How long the open loop's start-up transient is taken to last (5–10 s after a warm-up of 4 users for 3 s). */
const SETTLE_MS = 10_000;

function commandStats(driver: LoadDriver, from: number, to: number) {
  const s = driver.samples.filter((x) => x.at >= from && x.at <= to);
  const ok = s.filter((x) => x.status >= 200 && x.status < 300);
  const lat = summary(ok.map((x) => x.ms));
  const byType: Record<string, { n: number; p50: number; p99: number; followed: number; stages: StageTable }> = {};
  for (const t of [...new Set(ok.map((x) => x.type))]) {
    const of = ok.filter((x) => x.type === t);
    const st = summary(of.map((x) => x.ms));
    byType[t] = { n: st.n, p50: st.p50, p99: st.p99, followed: of.filter((x) => x.followed).length, stages: stageTable(of) };
  }
  const errors: Record<string, number> = {};
  for (const x of s.filter((y) => y.status >= 300 || y.status === 0))
    errors[`${x.status} ${x.code ?? ''}`.trim()] = (errors[`${x.status} ${x.code ?? ''}`.trim()] ?? 0) + 1;
  return {
    commands: ok.length,
    p50: lat.p50,
    p99: lat.p99,
    max: lat.max,
    followed: ok.filter((x) => x.followed).length,
    stages: stageTable(ok),
    byType,
    errors,
  };
}

const STAGES = ['api', 'enqueue', 'queue', 'handler', 'commit', 'back', 'http', 'poll'] as const;
type StageTable = Partial<Record<(typeof STAGES)[number], { p50: number; p99: number }>>;

/**
 * p50/p99 per stage of the samples' Server-Timing; `http` is what the driver measured beyond the
 * API's stages (connection, parsing, guards after the request was received count under `api`).
 */
function stageTable(samples: CommandSample[]): StageTable {
  const out: StageTable = {};
  const withStages = samples.filter((x) => x.stages);
  for (const st of STAGES) {
    const xs =
      st === 'http'
        ? withStages.map((x) => x.ms - Object.entries(x.stages!).reduce((a, [k, v]) => (k === 'poll' ? a : a + v), 0) - (x.stages!.poll ?? 0))
        : withStages.filter((x) => x.stages![st] !== undefined).map((x) => x.stages![st]);
    if (xs.length) {
      const sm = summary(xs);
      out[st] = { p50: sm.p50, p99: sm.p99 };
    }
  }
  return out;
}

/** One line per stage for the progress log: `api 0.9/3.1 queue 0.4/12 …` (p50/p99 ms). */
function stageLine(t: StageTable): string {
  return Object.entries(t)
    .map(([k, v]) => `${k} ${v!.p50}/${v!.p99}`)
    .join(' ');
}

async function main(): Promise<void> {
  const tStart = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'bedlink-bench-'));
  log(`parameters ${JSON.stringify(P)}; logs in ${tmp}`);
  const loadAtStart = loadavg().map((x) => round(x, 2));
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? '?',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    ...(await versions()),
  };
  log(`machine ${JSON.stringify(machine)}`);

  await dropDb();
  await migrate(dbUrl);
  log(`database ${DB} created and migrated`);
  const cipher = new PiiCipher(PII_KEY);
  const seeded = await seed(dbUrl, { districts: P.districts, institutions: P.institutions, beds: P.beds, patients: P.patients }, cipher, log);

  const rawMatch = await measureMatch();
  log(`match (bench SQL): top-10 over ${P.beds} beds p50 ${rawMatch.p50} ms p99 ${rawMatch.p99} ms (${rawMatch.rowsAvg} rows avg)`);
  const match = await measureMatcher();
  log(`match (engine matcher, ranked with explanations): top-10 over ${P.beds} beds p50 ${match.p50} ms p99 ${match.p99} ms (${match.rowsAvg} candidates avg)`);
  const pgBase = await baselinePg(P.baselineSeconds, P.users);
  log(`baseline pg: ${pgBase.txPerSec} tx/s at ${P.users} clients (p99 ${pgBase.p99} ms)`);
  const bullBase = await baselineBullmq(P.baselineSeconds, P.offeredCommandsPerSec);
  log(`baseline bullmq: add→complete p50 ${bullBase.p50} ms p99 ${bullBase.p99} ms`);

  // every api's port at once, so none can be handed out twice (freePorts); the first api's is the engine's PORT
  const apiPorts = await freePorts(P.apis);
  const port = apiPorts[0];
  const countDir = mkdtempSync(join(tmpdir(), 'bedlink-bench-counts-'));
  const env = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET,
    PII_KEY,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    BENCH_COUNT_DIR: countDir,
  };
  const procs: Proc[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let peakRss = 0;
  const peakEach: Record<string, number> = {};
  const sampler = setInterval(() => {
    let total = 0;
    for (const p of procs) {
      const r = rssMb(p.child.pid);
      peakEach[p.name] = Math.max(peakEach[p.name] ?? 0, round(r, 0));
      total += r;
    }
    if (total > peakRss) peakRss = total;
  }, 250);
  try {
    if (compiled) {
      log('building (npm run build) for --compiled');
      execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const workers: Proc[] = [];
    for (let i = 1; i <= P.workers; i++) {
      const w = startApp('worker', env, join(tmp, `worker${i}.log`), compiled);
      w.name = `worker${i}`;
      workers.push(w);
      procs.push(w);
    }
    const apis: Proc[] = [];
    const baseUrls: string[] = [];
    for (let i = 1; i <= P.apis; i++) {
      const apiPort = apiPorts[i - 1];
      const a = startApp('api', { ...env, PORT: String(apiPort) }, join(tmp, `api${i}.log`), compiled);
      a.name = `api${i}`;
      apis.push(a);
      procs.push(a);
      baseUrls.push(`http://127.0.0.1:${apiPort}`);
    }
    for (let i = 0; i < apis.length; i++) await waitForHealth(baseUrls[i], 90_000, apis[i]);
    const baseUrl = baseUrls;
    log(`api ${apis.map((a) => a.child.pid).join(', ')} and worker ${workers.map((w) => w.child.pid).join(', ')} up on ${baseUrls.join(' ')}`);
    const waitsPg = new Client({ connectionString: dbUrl });
    await waitsPg.connect();
    const waits = new WaitSampler(waitsPg);
    waits.start();
    cleanups.push(async () => {
      await waits.stop();
      await waitsPg.end();
    });
    const reg = await loadRegistry(dbUrl, seeded.patientsByHospital);
    const warm = new LoadDriver(baseUrl, JWT_SECRET, reg, { declineShare: P.declineShare });
    const wFrom = Date.now();
    await closedLoop(warm, P.warmUsers, P.warmSeconds);
    const wTo = Date.now();
    // what a restart costs: the same users' latency in the warm-up's first seconds and in its last
    const edge = Math.min(3000, (wTo - wFrom) / 3);
    const edgeStats = (from: number) => {
      const { p50, p99 } = commandStats(warm, from, from + edge);
      return { seconds: round(edge / 1000, 1), p50, p99 };
    };
    const warmUp = {
      users: P.warmUsers,
      seconds: round((wTo - wFrom) / 1000, 1),
      lifecycles: warm.completed,
      first: edgeStats(wFrom),
      last: edgeStats(wTo - edge),
    };
    log(
      `warm-up: ${warm.completed} lifecycles (${warm.failed} failed); p50/p99 ms first ${edge / 1000} s ${warmUp.first.p50}/${warmUp.first.p99}, last ${warmUp.last.p50}/${warmUp.last.p99}`,
    );

    const avgCommands = 7 + 3 * P.declineShare;
    const open = new LoadDriver(baseUrl, JWT_SECRET, reg, { declineShare: P.declineShare });
    const lps = P.offeredCommandsPerSec / avgCommands;
    log(`open loop: ${round(lps, 1)} lifecycles/s (≈${P.offeredCommandsPerSec} commands/s offered) for ${P.openSeconds} s`);
    const oFrom = Date.now();
    const oLoops = loopTimes(countDir, procs);
    const oFromDb = new Date(oFrom);
    const progress = setInterval(() => {
      const s = commandStats(open, Date.now() - 5000, Date.now());
      log(
        `  open: ${open.completed} completed, ${open.failed} failed; last 5 s ${round(s.commands / 5, 0)} commands/s p99 ${s.p99} ms (${s.followed} via 202); ${stageLine(s.stages)}`,
      );
      log(`    waits: ${waits.last()}`);
    }, 5000);
    const ol = await openLoop(open, lps, P.openSeconds);
    clearInterval(progress);
    const oTo = Date.now();
    const openLoopBusy = loopBusy(oLoops, loopTimes(countDir, procs));
    const openStats = commandStats(open, oFrom, oTo);
    // What is left of the start-up transient after the warm-up (P.warmSeconds) shows in the open loop's
    // first seconds: reported apart, beside the whole run's figures, which stay the targets' (performance.md)
    const settledFrom = oFrom + Math.min(SETTLE_MS, (oTo - oFrom) / 2);
    const settled = commandStats(open, settledFrom, oTo);
    await sleep(1500);
    const e2e = await e2eLatency(oFromDb, new Date(oTo));
    const lags = await eventLags(oFromDb, new Date(oTo));
    log(`open loop stages (p50/p99 ms): ${stageLine(openStats.stages)}`);
    log(`open loop event lags (ms): ${JSON.stringify(lags)}; event loops busy ${JSON.stringify(openLoopBusy)}`);
    log(
      `open loop done: ${openStats.commands} commands in ${((oTo - oFrom) / 1000).toFixed(1)} s, p50 ${openStats.p50} ms p99 ${openStats.p99} ms; e2e event p99 ${e2e.p99} ms (n=${e2e.n}; ${e2e.measured === e2e.columns.measured ? 'columns' : `commits; columns p99 ${e2e.columns.p99} ms`})`,
    );
    log(
      `open loop after its first ${round((settledFrom - oFrom) / 1000, 1)} s: p50 ${settled.p50} ms p99 ${settled.p99} ms; stages (p50/p99 ms) ${stageLine(settled.stages)}`,
    );

    const closed = new LoadDriver(baseUrl, JWT_SECRET, reg, { declineShare: P.declineShare });
    log(`closed loop: ${P.users} users for ${P.closedSeconds} s`);
    const cFrom = Date.now();
    await sleep(600); // the counters are written every 500 ms
    const work0 = workCounts(countDir, procs);
    const cLoops = loopTimes(countDir, procs);
    const cpuOf = (ps: Proc[]) => ps.reduce((a, p) => a + cpuSeconds(p.child.pid), 0);
    // Postgres' share is every process of the server taken at both ends: the database's backends and the
    // server's own (WAL writer, checkpointer: no database). A backend opened during the loop (a pool that
    // grows past what the open loop needed) counts from its start, one closed before the end is lost. Read
    // by pid from /proc, so only for a Postgres on this machine.
    const pgCpu = async () =>
      new Map(
        (await admin(async (c) => (await c.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL`, [DB])).rows)).map((r) => [
          r.pid as number,
          cpuSeconds(r.pid as number),
        ]),
      );
    const cpu0 = {
      at: Date.now(),
      api: cpuOf(apis),
      worker: cpuOf(workers),
      postgres: await pgCpu(),
      redis: await redisCpuSeconds(),
      driver: process.cpuUsage(),
      machine: machineCpuSeconds(),
    };
    const cprog = setInterval(() => {
      const s = commandStats(closed, Date.now() - 5000, Date.now());
      log(
        `  closed: ${closed.completed} completed, ${closed.failed} failed; last 5 s ${round(s.commands / 5, 0)} commands/s p99 ${s.p99} ms (${s.followed} via 202); ${stageLine(s.stages)}`,
      );
      log(`    waits: ${waits.last()}`);
    }, 5000);
    await closedLoop(closed, P.users, P.closedSeconds);
    clearInterval(cprog);
    const cTo = Date.now();
    const closedLoopBusy = loopBusy(cLoops, loopTimes(countDir, procs));
    const pgEnd = await pgCpu();
    const dcpu = process.cpuUsage(cpu0.driver);
    const redisCpu = (await redisCpuSeconds()) - cpu0.redis;
    const machine = machineCpuSeconds();
    const cpuSecs = (Date.now() - cpu0.at) / 1000;
    const share = (seconds: number) => round(seconds / cpuSecs, 2);
    const cpuShare = {
      api: share(cpuOf(apis) - cpu0.api),
      worker: share(cpuOf(workers) - cpu0.worker),
      postgresBackends: share([...pgEnd].reduce((a, [pid, s]) => a + s - (cpu0.postgres.get(pid) ?? 0), 0)),
      loadDriver: share((dcpu.user + dcpu.system) / 1e6),
      redis: share(redisCpu),
      // the whole machine (any process, and the kernel's interrupt work charged to none)
      machine: share(machine.busy - cpu0.machine.busy),
      cores: round((machine.total - cpu0.machine.total) / cpuSecs, 1),
    };
    // commands answered in the window the CPU was read over
    const nCmd = Math.max(1, closed.samples.filter((x) => x.at >= cpu0.at && x.at <= cTo && x.status >= 200 && x.status < 300).length);
    const perCommand = (cores: number) => round((cores * cpuSecs * 1000) / nCmd, 2);
    const cpuMsPerCommand = {
      api: perCommand(cpuShare.api),
      worker: perCommand(cpuShare.worker),
      postgresBackends: perCommand(cpuShare.postgresBackends),
      loadDriver: perCommand(cpuShare.loadDriver),
      redis: perCommand(cpuShare.redis),
      machine: perCommand(cpuShare.machine),
    };
    log(
      `closed loop CPU (cores busy): ${JSON.stringify(cpuShare)}; CPU ms per command ${JSON.stringify(cpuMsPerCommand)}; event loops busy ${JSON.stringify(closedLoopBusy)}`,
    );
    await sleep(600);
    const work1 = workCounts(countDir, procs);
    // Per completed lifecycle; lifecycles still running at either end count in, so it is ± one lifecycle's work per user.
    const workPerLifecycle = workPer(work0, work1, closed.completed);
    log(`work per lifecycle (closed loop): ${JSON.stringify(workPerLifecycle)}`);
    const closedStats = commandStats(closed, cFrom, cTo);
    const cSecs = (cTo - cFrom) / 1000;
    const commandsPerSec = round(closedStats.commands / cSecs, 1);
    log(`closed loop done: ${commandsPerSec} commands/s, ${round(closed.completed / cSecs, 2)} referrals completed/s, p99 ${closedStats.p99} ms`);

    const drain = await outboxDrain(P.drainRows);
    log(`outbox drain: ${P.drainRows} rows in ${drain.ms} ms = ${drain.perSec} rows/s; relay passes ${JSON.stringify(drain.passes)}`);

    // Invariants on what the run left: a fast run that double-booked, lost or repeated a lifecycle,
    // or broke the audit chain fails (exit 1), whatever its figures.
    const completedIds = [warm, open, closed].flatMap((drv) => [...drv.referrals].filter(([, st]) => st === 'COMPLETED').map(([id]) => id));
    const invPg = new Client({ connectionString: dbUrl });
    await invPg.connect();
    const tInv = Date.now();
    const invariants = await checkInvariants((sql, params) => invPg.query(sql, params).then((r) => r.rows), completedIds).finally(() => invPg.end());
    log(
      `invariants ${invariants.ok ? 'hold' : 'VIOLATED'} in ${Date.now() - tInv} ms: ${completedIds.length} lifecycles completed once, ` +
        `audit ${invariants.audit.ok ? 'verifies' : 'BROKEN'} (${invariants.audit.records} records, ${invariants.audit.chains} chains)` +
        (invariants.ok ? '' : `: ${JSON.stringify(invariants)}`),
    );

    const result = {
      commandsPerSec,
      referralsCompletedPerSec: round(closed.completed / cSecs, 2),
      commandP50Ms: openStats.p50,
      commandP99Ms: openStats.p99,
      e2eEventP99Ms: e2e.p99,
      outboxDrainPerSec: drain.perSec,
      matchP99Ms100k: match.p99,
      baselinePgTxPerSec: pgBase.txPerSec,
      baselineBullmqP99Ms: bullBase.p99,
      ratioCommandsToPgTx: round(commandsPerSec / pgBase.txPerSec, 3),
      peakRssMb: round(peakRss, 0),
      targets: {} as Record<string, boolean>,
      invariants,
      detail: {
        /** A closed loop of freshly started processes: its first seconds are what a restart costs. */
        warmUp,
        openLoop: {
          offeredCommandsPerSec: P.offeredCommandsPerSec,
          achievedCommandsPerSec: round(openStats.commands / ((oTo - oFrom) / 1000), 1),
          lifecyclesStarted: ol.started,
          completed: open.completed,
          failed: open.failed,
          p50: openStats.p50,
          p99: openStats.p99,
          max: openStats.max,
          byType: openStats.byType,
          stages: openStats.stages,
          /** The same after the start-up transient: not a target's figure, the steady state beside it. */
          settled: { fromSecond: round((settledFrom - oFrom) / 1000, 1), p50: settled.p50, p99: settled.p99, stages: settled.stages },
          eventLags: lags,
          /** The share of the loop each kind's event loop was busy (bench/work-counter.ts). */
          eventLoopBusy: openLoopBusy,
          errors: openStats.errors,
        },
        closedLoop: {
          workPerLifecycle,
          stages: closedStats.stages,
          byType: closedStats.byType,
          cpuCoresBusy: cpuShare,
          cpuMsPerCommand,
          eventLoopBusy: closedLoopBusy,
          users: P.users,
          seconds: round(cSecs, 1),
          completed: closed.completed,
          failed: closed.failed,
          p50: closedStats.p50,
          p99: closedStats.p99,
          errors: closedStats.errors,
        },
        e2eEvent: { consumer: 'bed-board', ...e2e },
        match: { query: 'engine matcher: findCandidates (libs/persistence/src/matching) with ranking', beds: P.beds, ...match },
        matchBenchSql: { query: 'bench candidate SQL (one bed per nearby institution)', ...rawMatch },
        baselinePg: {
          clients: P.users,
          shape: 'BEGIN; SELECT … FOR UPDATE; UPDATE … version check; INSERT audit; INSERT outbox (+NOTIFY trigger); INSERT command_log; COMMIT',
          ...pgBase,
        },
        baselineBullmq: { ratePerSec: P.offeredCommandsPerSec, workerConcurrency: 16, ...bullBase },
        outboxDrain: {
          rows: P.drainRows,
          eventType: 'BedStatusChanged (one consumer queue: events-projections; no bed id, so the projection records it and changes nothing)',
          ...drain,
        },
        waits: waits.samples,
        peakRssMbEach: peakEach,
        loadAverageAtStartAndEnd: [loadAtStart, loadavg().map((x) => round(x, 2))],
        seed: { ms: seeded.ms, auditOfSeed: 'none: seeded rows have chain_seq 0, chain_hash NULL' },
      },
      parameters: P,
      machine,
      totalSeconds: 0,
    };
    // issue 14's acceptance, each figure as the bench measures it (the drain's was 5,000 here, not 10,000;
    // the open loop's p50 and the closed loop's p99 were not checked at all)
    result.targets = {
      ratioCommandsToPgTx: result.ratioCommandsToPgTx >= 0.33,
      commandP50Ms: result.commandP50Ms <= 15,
      commandP99Ms: result.commandP99Ms <= 50,
      closedLoopP99Ms: result.detail.closedLoop.p99 <= 100,
      e2eEventP99Ms: result.e2eEventP99Ms <= 25,
      outboxDrainPerSec: result.outboxDrainPerSec >= 10_000,
      matchP99Ms100k: result.matchP99Ms100k <= 10,
      peakRssMb: result.peakRssMb <= 400,
    };
    clearInterval(sampler);
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
    await Promise.all(procs.map((p) => stopApp(p)));
    await cleanRedis();
    if (!flag('keep')) await dropDb();
    // the processes' logs stay for a run that failed its invariants or was asked to keep them
    rmSync(countDir, { recursive: true, force: true });
    if (!flag('keep') && invariants.ok) rmSync(tmp, { recursive: true, force: true });
    result.totalSeconds = round((Date.now() - tStart) / 1000, 1);
    process.stdout.write(JSON.stringify(result) + '\n');
    if (!invariants.ok) {
      log('bench failed: invariants violated (see "invariants" in the result)');
      process.exitCode = 1;
    }
  } finally {
    clearInterval(sampler);
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
    await Promise.all(procs.map((p) => stopApp(p, 'SIGKILL')));
  }
}

main().catch(async (e) => {
  log(`bench failed: ${e instanceof Error ? e.stack : e}`);
  await cleanRedis().catch(() => undefined);
  process.exit(1);
});
