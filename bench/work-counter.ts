/**
 * Preloaded (`node -r`) into the api and worker processes the bench starts, to count their work:
 * SQL statements (pg Client.query), Redis commands and round trips (ioredis sendCommand; a pipeline
 * or MULTI is one round trip; the blocking waits BZPOPMIN and XREAD are left out, they repeat on
 * their own clock) and BullMQ jobs created (Queue.add / addBulk). Every 500 ms the totals go to
 * $BENCH_COUNT_DIR/<pid>.json, which the bench reads before and after the closed loop. The counting
 * is the work-budget test's (test/work-budget.e2e-spec.ts), without its attribution by role.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';

const dir = process.env.BENCH_COUNT_DIR;
if (dir) {
  const counts = { sql: 0, redis: 0, redisTrips: 0, jobs: 0 };
  const timed = new Set(['bzpopmin', 'xread']);
  const pipelines = new WeakSet<object>();
  type Fn = (this: unknown, ...a: any[]) => any;
  const wrap = (proto: object, method: string, around: (original: Fn) => Fn) => {
    const t = proto as Record<string, Fn>;
    t[method] = around(t[method]);
  };
  wrap(
    Client.prototype,
    'query',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        counts.sql++;
        return original.apply(this, a);
      },
  );
  wrap(
    IORedis.prototype,
    'sendCommand',
    (original) =>
      function (this: unknown, cmd: { name?: string } | undefined, ...rest: unknown[]) {
        if (!timed.has(String(cmd?.name ?? '').toLowerCase())) {
          counts.redis++;
          const stream = rest[0];
          if (!stream || typeof stream !== 'object' || !pipelines.has(stream)) counts.redisTrips++;
          if (stream && typeof stream === 'object') pipelines.add(stream);
        }
        return original.call(this, cmd, ...rest);
      },
  );
  wrap(
    Queue.prototype,
    'add',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        counts.jobs++;
        return original.apply(this, a);
      },
  );
  wrap(
    Queue.prototype,
    'addBulk',
    (original) =>
      function (this: unknown, jobs: unknown[]) {
        counts.jobs += jobs.length;
        return original.call(this, jobs);
      },
  );
  const file = join(dir, `${process.pid}.json`);
  const dump = () => {
    try {
      writeFileSync(file, JSON.stringify(counts));
    } catch {
      /* the bench reads what is there */
    }
  };
  setInterval(dump, 500).unref();
  process.once('beforeExit', dump);
}
