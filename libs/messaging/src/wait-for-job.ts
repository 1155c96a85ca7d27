import { Job, QueueEvents } from 'bullmq';

/** The part of a BullMQ job this needs; `scripts.isFinished` is the check Job.waitUntilFinished makes itself. */
type Waitable<R> = Pick<Job<unknown, R>, 'id' | 'name'> & {
  scripts?: { isFinished(jobId: string, returnValue: boolean): Promise<[number, string]> };
};

/**
 * Job.waitUntilFinished without its flaw. BullMQ 5 runs its "has it finished already?" check inside an
 * async Promise executor, so a Redis error there (MaxRetriesPerRequestError while Redis restarts or
 * fails over) is an unhandled rejection, and Node ends the process: the fault suite saw both APIs
 * exit that way during a Redis flush. Here the same check is made with its error handled; the wait
 * then goes on for the completion event or the timeout, as BullMQ's would have (the caller answers
 * 202 on timeout and the command is kept in Postgres until done).
 */
export function waitForJob<R>(j: Job<unknown, R>, events: QueueEvents, ttlMs: number): Promise<R> {
  // `scripts` is protected in BullMQ's types; it is the same object Job.waitUntilFinished uses.
  const job = j as unknown as Waitable<R>;
  const id = job.id!;
  // per-job event names (completed:<id>) are not in QueueEvents' typed listener map
  const ev = events as unknown as NodeJS.EventEmitter;
  return new Promise<R>((resolve, reject) => {
    const completed = `completed:${id}`;
    const failed = `failed:${id}`;
    const stop = () => {
      clearTimeout(timer);
      ev.removeListener(completed, onCompleted);
      ev.removeListener(failed, onFailed);
    };
    const onCompleted = (args: { returnvalue: unknown }) => {
      stop();
      resolve(args.returnvalue as R);
    };
    const onFailed = (args: { failedReason?: string }) => {
      stop();
      reject(new Error(args.failedReason ?? 'failed'));
    };
    const timer = setTimeout(
      () => onFailed({ failedReason: `Job wait ${job.name} timed out before finishing, no finish notification arrived after ${ttlMs}ms (id=${id})` }),
      ttlMs,
    );
    ev.on(completed, onCompleted);
    ev.on(failed, onFailed);
    // The job may have finished before the listeners were on: look once, after QueueEvents listens.
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
  });
}

/** As BullMQ reads a stored return value: JSON, or nothing when it is corrupt. */
function parseReturnValue(raw: string | undefined): unknown {
  try {
    return raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
}
