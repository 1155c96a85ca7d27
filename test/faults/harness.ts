import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource, PiiCipher, verifyAuditChains } from '@bedlink/persistence';
import type { DeadLetterJob } from '@bedlink/messaging';
import { migrate } from '../../scripts/migrate';
import { LoadDriver, loadRegistry, Registry } from '../../bench/load';
import { seed } from '../../bench/seed';
import { violations } from './invariants';
import { redisReady } from '../support/redis-procs';
import { freePort, freePorts, http, Proc, sleep, startApp, stopApp, waitForHealth } from '../../bench/support';

/**
 * Everything a fault test breaks is private to it: its own database (reached through a TCP proxy
 * it can cut), its own redis-server (which it can kill, restart and flush), api and worker as
 * child processes it can SIGKILL. The machine's shared Postgres and Redis are never touched
 * beyond creating and dropping this test's own database.
 */

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG = new URL(ADMIN_URL);

export class PgProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: PG.hostname, port: Number(PG.port || 5432) });
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** Postgres becomes unreachable: live connections reset, new ones refused. */
  async cut(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}

export class PrivateRedis {
  private proc?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'bedlink-faults-redis-'));
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', this.dir, '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    await redisReady(this.port);
  }

  /** Data gone (FLUSHALL on OUR server), process killed, started again empty. */
  async flushAndRestart(downMs = 1000): Promise<void> {
    const r = new IORedis(this.url, { maxRetriesPerRequest: 1 });
    await r.flushall();
    r.disconnect();
    await this.kill();
    await sleep(downMs);
    await this.start();
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.on('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Cluster {
  dbUrl: string;
  /** What api and worker use: through the proxy. */
  proxiedUrl: string;
  baseUrl: string;
  secret: string;
  prefix: string;
  redis: PrivateRedis;
  proxy: PgProxy;
  ds: DataSource;
  /** The first API and worker (the outage test checks they survive). */
  api?: Proc;
  worker?: Proc;
  /** Every API and worker process (FAULT_APIS, FAULT_WORKERS; two of each by default). */
  apis: (Proc | undefined)[];
  workers: (Proc | undefined)[];
  /** One base URL per API; the load driver takes them in turn. */
  baseUrls: string[];
  reg: Registry;
  logDir: string;
  env: Record<string, string>;
  startApi(): Promise<void>;
  /** Starts worker i (default: every worker slot that is down). */
  startWorker(i?: number): Promise<void>;
  /** SIGKILLs worker i (default: one at random). */
  killWorker(i?: number): Promise<number>;
  driver(opts?: { declineShare?: number }): LoadDriver;
  close(): Promise<void>;
}

export const OUTBOX_POLL_MS = 100;
/** Processes of each kind: several workers (relays, consumers, watchdogs) and APIs must not break the invariants. */
export const WORKERS = Number(process.env.FAULT_WORKERS ?? 2);
export const APIS = Number(process.env.FAULT_APIS ?? 2);

export async function startCluster(
  size = { districts: 2, institutions: 24, beds: 4000, patients: 3000 },
  extraEnv: Record<string, string> = {},
): Promise<Cluster> {
  const name = `bedlink_test_faults_${randomBytes(5).toString('hex')}`;
  const dbUrl = (() => {
    const u = new URL(ADMIN_URL);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  // the processes under test log in as the runtime role (its password set by the migration run)
  const runtimeUrl = (() => {
    const u = new URL(dbUrl);
    u.username = 'bedlink_app';
    u.password = 'bedlink-app-test'; // the suites' password (one role for the whole cluster)
    return u.toString();
  })();
  await migrate(dbUrl, runtimeUrl);
  const secret = `faults-${randomBytes(24).toString('hex')}`;
  const piiKey = randomBytes(32).toString('hex');
  const seeded = await seed(dbUrl, size, new PiiCipher(piiKey), () => undefined);
  const proxy = new PgProxy(await freePort());
  await proxy.start();
  const redis = new PrivateRedis(await freePort());
  await redis.start();
  const proxiedUrl = (() => {
    const u = new URL(runtimeUrl);
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    return u.toString();
  })();
  const apiPorts = await freePorts(APIS);
  const baseUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
  const prefix = `blfault${randomBytes(3).toString('hex')}`;
  const logDir = mkdtempSync(join(tmpdir(), 'bedlink-faults-'));
  const env = {
    DATABASE_URL: proxiedUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    PORT: String(apiPorts[0]),
    HOST: '127.0.0.1',
    JWT_SECRET: secret,
    PII_KEY: piiKey,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    OUTBOX_POLL_MS: String(OUTBOX_POLL_MS),
    COMMAND_TIMEOUT_MS: '3000',
    COMMAND_LOCK_MS: '4000',
    EVENT_LOCK_MS: '4000',
    EVENT_RETRY_ATTEMPTS: '3',
    EVENT_RETRY_BACKOFF_MS: '100',
    DEADLINE_SWEEP_MS: '2000',
    ...extraEnv,
  };
  const ds = createDataSource(dbUrl, 3);
  await ds.initialize();
  const reg = await loadRegistry(dbUrl, seeded.patientsByHospital);
  let closing = false;
  const c: Cluster = {
    dbUrl,
    proxiedUrl,
    baseUrl: baseUrls[0],
    baseUrls,
    apis: [],
    workers: Array.from({ length: WORKERS }, () => undefined),
    secret,
    prefix,
    redis,
    proxy,
    ds,
    reg,
    logDir,
    env,
    async startApi() {
      for (let i = 0; i < APIS; i++) {
        const apiEnv = { ...env, PORT: new URL(c.baseUrls[i]).port };
        const logFile = join(logDir, `api${i + 1}.log`);
        const api = (c.apis[i] = startApp('api', apiEnv, logFile));
        // No scenario stops an api: one that exits on its own crashed, and its log is deleted at the end,
        // so its last lines are printed now (the only trace a CI run keeps).
        void api.exited.then((code) => {
          if (closing || c.apis[i] !== api) return;
          const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '(no log)';
          process.stderr.write(`[faults] api${i + 1} exited on its own (code ${code}); the end of its log:\n${tail}\n`);
        });
      }
      c.api = c.apis[0];
      for (let i = 0; i < APIS; i++) await waitForHealth(c.baseUrls[i], 60_000, c.apis[i]);
    },
    async startWorker(i?: number) {
      const slots = i === undefined ? c.workers.map((w, k) => (w ? -1 : k)).filter((k) => k >= 0) : [i];
      await Promise.all(
        slots.map(async (k) => {
          const w = startApp('worker', env, join(logDir, `worker${k + 1}.log`));
          c.workers[k] = w;
          // The worker has no HTTP port: it is up when it says so (after its relay and processors started).
          await new Promise<void>((resolve, reject) => {
            let seen = '';
            const t = setTimeout(() => reject(new Error('worker did not come up within 60 s')), 60_000);
            w.child.stdout!.on('data', (b: Buffer) => {
              seen = (seen + b.toString()).slice(-4000);
              if (seen.includes('worker up')) {
                clearTimeout(t);
                resolve();
              }
            });
            void w.exited.then((code) => {
              clearTimeout(t);
              reject(new Error(`worker exited with ${code}`));
            });
          });
        }),
      );
      c.worker = c.workers[0];
    },
    async killWorker(i?: number) {
      const k = i ?? Math.floor(Math.random() * WORKERS);
      await stopApp(c.workers[k], 'SIGKILL');
      c.workers[k] = undefined;
      c.worker = c.workers[0];
      return k;
    },
    driver(opts = {}) {
      return new LoadDriver(c.baseUrls, secret, reg, { retry503: true, timeoutMs: 20_000, declineShare: opts.declineShare ?? 0.25 });
    },
    async close() {
      closing = true;
      await Promise.all([...c.apis, ...c.workers].map((p) => stopApp(p, 'SIGKILL')));
      await ds.destroy().catch(() => undefined);
      await proxy.stop();
      await redis.stop();
      if (!name.includes('test')) throw new Error(`refusing to drop ${name}`);
      const a = new Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
      if (!process.env.KEEP_FAULT_LOGS) rmSync(logDir, { recursive: true, force: true });
    },
  };
  await c.startWorker();
  await c.startApi();
  return c;
}

/** Kills every backend of this test's database (the shared server's other databases untouched). */
export async function terminateBackends(dbUrl: string): Promise<number> {
  const a = new Client({ connectionString: ADMIN_URL });
  await a.connect();
  try {
    const r = await a.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [
      new URL(dbUrl).pathname.slice(1),
    ]);
    return r.rowCount ?? 0;
  } finally {
    await a.end();
  }
}

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000, stepMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)?.slice(0, 800)}`);
    await sleep(stepMs);
    last = await fn();
  }
  return last;
}

export const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'REJECTED'];
export const RESUMABLE = ['DRAFT', 'SUBMITTED', 'OFFERED', 'ACCEPTED', 'IN_TRANSFER', 'ESCALATED'];

/**
 * The invariants every fault test ends with. Waits (bounded) for the relay and consumers to
 * catch up first, since "eventually consistent" is the claim, then checks:
 * every referral terminal or resumable and its holds consistent with its state; no bed with two
 * live holds or a hold on an occupied bed; every audit chain verifies; every bed-board event
 * applied exactly once (inbox row per event, board counts = beds table); no unsent outbox row
 * older than the relay interval.
 */
export async function assertInvariants(c: Cluster, opts: { deadLettered?: string[] } = {}): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => c.ds.query(sql, params);
  const dead = opts.deadLettered ?? [];

  // the outbox drains: nothing older than the relay interval (plus a scheduling margin) left unsent
  await eventually(
    async () =>
      (
        await q(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL AND created_at < now() - make_interval(secs => $1::float8 / 1000)`, [
          OUTBOX_POLL_MS + 400,
        ])
      )[0].n,
    (n) => n === 0,
    30_000,
  );
  // every bed-board event has been applied (its inbox row exists), dead-lettered poison aside
  await eventually(
    () =>
      q(
        `SELECT o.event_id, o.event_type, o.created_at, o.sent_at FROM outbox o WHERE o.event_type = ANY($1) AND NOT (o.event_id = ANY($2::uuid[]))
           AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.consumer = 'bed-board' AND i.event_id = o.event_id) LIMIT 5`,
        [['BedRegistered', 'BedStatusChanged', 'BedReserved', 'ReservationReleased', 'ReservationExpired'], dead],
      ),
    (rows) => rows.length === 0,
    60_000,
  );

  const states: { state: string; n: number }[] = await q(`SELECT state, count(*)::int AS n FROM referrals GROUP BY state`);
  for (const s of states) expect([...TERMINAL, ...RESUMABLE]).toContain(s.state);

  // holds agree with referral states; no bed with two live holds, none held while occupied, no patient in
  // two beds, no programme over capacity, no lifecycle completed twice (test/faults/invariants.ts)
  expect(await violations((sql) => q(sql))).toEqual({});

  // the audit trail verifies, chain by chain, against the heads kept on the rows
  const audit = await verifyAuditChains(c.ds);
  expect(audit.firstBreak).toBeUndefined();
  expect(audit.ok).toBe(true);

  // exactly once: the board (kept from events) equals what the beds and holds say
  const drift = await q(`
    WITH truth AS (
      SELECT b.institution_id, b.kind, count(*)::int AS total,
        count(*) FILTER (WHERE b.status = 'U' AND h.bed_id IS NULL)::int AS free,
        count(h.bed_id)::int AS reserved,
        count(*) FILTER (WHERE b.status = 'O')::int AS occupied,
        count(*) FILTER (WHERE b.status = 'H')::int AS cleaning
      FROM beds b LEFT JOIN (SELECT DISTINCT bed_id FROM reservations WHERE state = 'HELD') h ON h.bed_id = b.id
      GROUP BY b.institution_id, b.kind)
    SELECT t.*, bb.total AS b_total, bb.free AS b_free, bb.reserved AS b_reserved, bb.occupied AS b_occupied, bb.cleaning AS b_cleaning
    FROM truth t LEFT JOIN bed_board bb ON bb.institution_id = t.institution_id AND bb.kind = t.kind
    WHERE (t.total, t.free, t.reserved, t.occupied, t.cleaning) IS DISTINCT FROM (bb.total, bb.free, bb.reserved, bb.occupied, bb.cleaning)`);
  expect(drift).toEqual([]);
  // no event handled twice by one consumer (the primary key says so; the count says it was not bypassed)
  expect(await q(`SELECT event_id FROM inbox GROUP BY consumer, event_id HAVING count(*) > 1`)).toEqual([]);
}

export async function deadLetters(c: Cluster): Promise<DeadLetterJob[]> {
  const q = new Queue('dead-letter', { connection: { host: '127.0.0.1', port: c.redis.port }, prefix: c.prefix });
  try {
    const jobs = await q.getJobs(['waiting', 'delayed', 'prioritized', 'paused'], 0, 1000);
    return jobs.map((j) => j.data);
  } finally {
    await q.close();
  }
}

export { http, sleep };
