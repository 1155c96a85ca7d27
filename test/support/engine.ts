import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { INestApplication, INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Clock, Policy } from '@bedlink/application';
import { mintToken } from '@bedlink/auth';
import { EnvConfig, loadConfig } from '@bedlink/config';
import { Role } from '@bedlink/domain';
import { createDataSource } from '@bedlink/persistence';
import type { HostResolver } from '@bedlink/messaging';
import { createApi } from '../../apps/api/src/bootstrap';
import { createWorker } from '../../apps/worker/src/bootstrap';
import type { DestinationStream } from 'pino';
import { ADMIN_URL, runtimeUrlOf, SUITE_DB_PREFIX, TEMPLATE_DB } from './global-setup';
import { dropQueuePrefix } from './redis-keys';

export interface Engine {
  cfg: EnvConfig;
  baseUrl: string;
  ds: DataSource;
  api: INestApplication;
  worker?: INestApplicationContext;
  token(role: Role, institutionId?: string | null, opts?: { districtId?: string; userId?: string }): string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  redis(): IORedis;
  close(): Promise<void>;
}

/** A database cloned from the migrated template; the name always contains "test". */
export async function createTestDatabase(): Promise<string> {
  const name = `${SUITE_DB_PREFIX}${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
    // A suite's commits need not wait for the disk: no test crashes Postgres itself (the fault suite kills
    // the engine's processes and connections, which this does not weaken), and a commit is visible to every
    // other session at once either way. A commit here waited 7 ms for the flush on a loaded machine.
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!name.includes('test')) throw new Error(`refusing to drop ${name}: not a test database`);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * The whole engine for one suite: its own database, its own queue prefix, the API on a random
 * port and the worker as a separate Nest application, both on real Postgres and Redis.
 */
/** `resolver` replaces DNS for webhook targets (SSRF tests); everything else resolves normally. */
export async function startEngine(
  opts: {
    env?: Record<string, string>;
    /** Settings that name the suite's database (made here), from its URL as the runtime role. */
    dbEnv?: (runtimeUrl: string) => Record<string, string>;
    clock?: Clock;
    policy?: Policy;
    worker?: boolean;
    logDestination?: DestinationStream;
    resolver?: HostResolver;
  } = {},
): Promise<Engine> {
  const dbUrl = await createTestDatabase();
  const prefix = `bltest${randomBytes(4).toString('hex')}`;
  // the engine runs as the runtime role (not the owner); e.ds, the tests' own handle, is the superuser
  const cfg = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: runtimeUrlOf(dbUrl),
    MIGRATION_DATABASE_URL: dbUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    COMMAND_TIMEOUT_MS: '15000',
    DB_POOL_SIZE: '8',
    // OUTBOX_POLL_MS: the engine's own 200 ms. The relay is woken by NOTIFY; its poll is the backstop, and at the
    // 50 ms once set here an idle test engine spent about 10 % of a core on it (node 42-45 and Postgres ~56 ms
    // per second, against 18 and 17 at 200): four suites' engines at once, a sixth of CI's two cores.
    ...opts.env,
    ...opts.dbEnv?.(runtimeUrlOf(dbUrl)),
  });
  const api = await createApi(cfg, { clock: opts.clock, policy: opts.policy, logger: ['error'], logDestination: opts.logDestination, resolver: opts.resolver });
  await api.listen(0, '127.0.0.1');
  const port = (api.getHttpServer().address() as { port: number }).port;
  // links the API hands out point at where it really listens, unless the suite sets PUBLIC_URL
  if (!opts.env?.PUBLIC_URL) cfg.PUBLIC_URL = `http://127.0.0.1:${port}`;
  const ds = createDataSource(dbUrl, 4);
  await ds.initialize();
  const redisClients: IORedis[] = [];
  const engine: Engine = {
    cfg,
    baseUrl: `http://127.0.0.1:${port}`,
    ds,
    api,
    token: (role, institutionId = null, o = {}) =>
      mintToken(cfg.JWT_SECRET, {
        sub: o.userId ?? `${role.toLowerCase()}-${institutionId ?? o.districtId ?? 'x'}`,
        role,
        inst: institutionId,
        dist: o.districtId ?? null,
      }),
    async startWorker() {
      if (engine.worker) return;
      const w = await createWorker(cfg, { clock: opts.clock, policy: opts.policy, logDestination: opts.logDestination, resolver: opts.resolver });
      await w.init();
      engine.worker = w;
    },
    async stopWorker() {
      const w = engine.worker;
      engine.worker = undefined;
      await w?.close();
    },
    redis() {
      const r = new IORedis(cfg.REDIS_URL, { maxRetriesPerRequest: null });
      redisClients.push(r);
      return r;
    },
    async close() {
      await engine.stopWorker().catch(() => undefined);
      await api.close().catch(() => undefined);
      await ds.destroy().catch(() => undefined);
      await dropQueuePrefix(cfg.REDIS_URL, prefix);
      for (const c of redisClients) await c.quit().catch(() => undefined);
      await dropTestDatabase(dbUrl);
    },
  };
  if (opts.worker !== false) await engine.startWorker();
  return engine;
}
