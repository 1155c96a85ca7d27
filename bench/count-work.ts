import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';

/**
 * The one way the engine's work is counted, shared by the bench's preloaded counter
 * (bench/work-counter.ts) and the work-budget test (test/work-budget.e2e-spec.ts): SQL statements
 * (pg Client.query), Redis commands and round trips (ioredis sendCommand), BullMQ jobs created
 * (Queue.add / addBulk). Each is reported to a sink, which decides what to attribute it to.
 */

/**
 * Redis commands left out of the count: the blocking waits of idle BullMQ workers (BZPOPMIN)
 * and of the API's QueueEvents reader (XREAD BLOCK) time out and repeat on their own clock, so
 * their number says how long the run took, not how much work it did.
 */
export const REDIS_TIMED: ReadonlySet<string> = new Set(['bzpopmin', 'xread']);

export interface WorkSink {
  /**
   * `roundTrip`: false for a statement written behind another still unanswered on the same connection (pg's
   * pipeline mode: the unit of work's BEGIN goes out with its first read, its COMMIT behind the flush).
   */
  sql(roundTrip: boolean): void;
  /** `roundTrip`: false for the second and later commands of a pipeline or MULTI (one write, one round trip). */
  redis(name: string, roundTrip: boolean): void;
  jobs(queue: string, n: number): void;
}

export type Fn = (this: unknown, ...a: any[]) => any;
/** Replaces a prototype's method by a wrapper around the original. */
export function wrap(proto: object, method: string, around: (original: Fn) => Fn): void {
  const target = proto as Record<string, Fn>;
  target[method] = around(target[method]);
}

/** What of pg's Client the counter reads: whether a statement is still unanswered on a pipelined connection. */
type PgClientState = { pipeline?: boolean; _activeQuery?: unknown; _sentQueryQueue?: unknown[] };

/** Installs the counters (once per module registry: they wrap the prototypes). */
export function countWork(sink: WorkSink): void {
  const pipelines = new WeakSet<object>();
  wrap(
    Client.prototype,
    'query',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        const c = this as PgClientState;
        const inFlight = c.pipeline === true && (!!c._activeQuery || (c._sentQueryQueue?.length ?? 0) > 0);
        sink.sql(!inFlight);
        return original.apply(this, a);
      },
  );
  wrap(
    IORedis.prototype,
    'sendCommand',
    (original) =>
      function (this: unknown, cmd: { name?: string } | undefined, ...rest: unknown[]) {
        const name = String(cmd?.name ?? '').toLowerCase();
        if (!REDIS_TIMED.has(name)) {
          // a pipeline or MULTI hands every command the same buffering stream: one write, one round trip
          const stream = rest[0];
          const buffered = !!stream && typeof stream === 'object' && pipelines.has(stream);
          if (stream && typeof stream === 'object') pipelines.add(stream);
          // as for pg: a command written while its connection awaits another's answer waits for no answer of its own
          const behind = ((this as { commandQueue?: { length: number } }).commandQueue?.length ?? 0) > 0;
          sink.redis(name, !buffered && !behind);
        }
        return original.call(this, cmd, ...rest);
      },
  );
  wrap(
    Queue.prototype,
    'add',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        sink.jobs((this as Queue).name, 1);
        return original.apply(this, a);
      },
  );
  wrap(
    Queue.prototype,
    'addBulk',
    (original) =>
      function (this: unknown, jobs: unknown[]) {
        sink.jobs((this as Queue).name, jobs.length);
        return original.call(this, jobs);
      },
  );
}
