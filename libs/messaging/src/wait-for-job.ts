import { Job, Queue, QueueEvents } from 'bullmq';

/** The part of a BullMQ job this needs; `scripts.isFinished` is the check Job.waitUntilFinished makes itself. */
type Waitable<R> = Pick<Job<unknown, R>, 'id' | 'name'> & {
  scripts?: { isFinished(jobId: string, returnValue: boolean): Promise<[number, string]> };
};

/** A wait for one job's end, its listeners on before the job is added. */
export interface JobWait<R> {
  /** The job's return value; rejects with its failure, or "timed out" after ttlMs. */
  readonly result: Promise<R>;
  /**
   * One look at the stored job, for a job that existed before the wait began: it may have ended
   * before the listeners were on. A job this wait saw added needs none (it cannot end unseen).
   */
  lookOnce(job: Job<unknown, R>): void;
  /** The wait is not needed after all: listeners off, timer off; `result` never settles. */
  cancel(): void;
}

/**
 * Job.waitUntilFinished, split so that the listeners go on before the job is added, and without its
 * flaw. Listening first, the API learns a new command's end from the event stream alone: no second
 * read per command ("is it finished already?", a Lua script and a round trip) except for a job that
 * was there before (a retried Idempotency-Key). The QueueEvents it listens on must read the stream from
 * where it stood when the API started (api.module.ts, `eventsTail`), so an event written before its
 * first read is not skipped.
 *
 * The flaw: BullMQ 5 runs its "has it finished already?" check inside an async Promise executor, so a
 * Redis error there (MaxRetriesPerRequestError while Redis restarts or fails over) is an unhandled
 * rejection, and Node ends the process: the fault suite saw both APIs exit that way during a Redis
 * flush. Here the same check is made with its error handled; the wait then goes on for the completion
 * event or the timeout, as BullMQ's would have (the caller answers 202 on timeout and the command is
 * kept in Postgres until done).
 */
export function waitForJobEnd<R>(events: QueueEvents, id: string, name: string, ttlMs: number): JobWait<R> {
  // per-job event names (completed:<id>) are not in QueueEvents' typed listener map
  const ev = events as unknown as NodeJS.EventEmitter;
  const completed = `completed:${id}`;
  const failed = `failed:${id}`;
  let settle: { resolve(v: R): void; reject(e: Error): void } | undefined;
  const result = new Promise<R>((resolve, reject) => (settle = { resolve, reject }));
  const stop = () => {
    clearTimeout(timer);
    ev.removeListener(completed, onCompleted);
    ev.removeListener(failed, onFailed);
  };
  const onCompleted = (args: { returnvalue: unknown }) => {
    stop();
    settle!.resolve(args.returnvalue as R);
  };
  const onFailed = (args: { failedReason?: string }) => {
    stop();
    settle!.reject(new Error(args.failedReason ?? 'failed'));
  };
  const timer = setTimeout(
    () => onFailed({ failedReason: `Job wait ${name} timed out before finishing, no finish notification arrived after ${ttlMs}ms (id=${id})` }),
    ttlMs,
  );
  ev.on(completed, onCompleted);
  ev.on(failed, onFailed);
  return {
    result,
    cancel: stop,
    lookOnce(j) {
      // `scripts` is protected in BullMQ's types; it is the same object Job.waitUntilFinished uses.
      const job = j as unknown as Waitable<R>;
      events
        .waitUntilReady()
        .then(() => job.scripts?.isFinished(id, true))
        .then((r) => {
          const status = r ? Number(r[0]) : 0;
          if (!r || status === 0) return;
          if (status === -1 || status === 2) onFailed({ failedReason: r[1] });
          else onCompleted({ returnvalue: parseReturnValue(r[1]) });
        })
        .catch(() => undefined /* Redis unreachable for now: the event or the timeout decides */);
    },
  };
}

/**
 * Where a queue's event stream stands now: the id its QueueEvents should read after. BullMQ's default
 * ('$') means "after whatever is there at my first read", and a job added and ended before that read
 * would end unseen by a wait that never looks at Redis. Redis unreachable at start (or slower than
 * `timeoutMs`): '$', and such a command answers 202 at its timeout instead of its result.
 */
export async function eventsTail(queue: Queue, timeoutMs = 2000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('$'), timeoutMs)));
  const read = (async () => {
    // an ioredis Redis or Cluster; BullMQ's own client type leaves stream reads out
    const client = (await queue.client) as unknown as {
      xrevrange(key: string, end: '+', start: '-', count: 'COUNT', n: number): Promise<[string, string[]][]>;
    };
    const [last] = await client.xrevrange(queue.keys.events, '+', '-', 'COUNT', 1);
    return last?.[0] ?? '0-0';
  })().catch(() => '$');
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** As BullMQ reads a stored return value: JSON, or nothing when it is corrupt. */
function parseReturnValue(raw: string | undefined): unknown {
  try {
    return raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
}
