import { Queue } from 'bullmq';

export const OPS_QUEUES = Symbol('OPS_QUEUES');

export const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'paused', 'waiting-children'] as const;

export interface QueueStat {
  queue: string;
  counts: Record<string, number>;
  /** Age of the oldest job waiting to be picked up (0 when none waits). */
  lagMs: number;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`redis did not answer within ${ms} ms`)), ms).unref())]);
}

/**
 * Depth and lag of one queue, read from BullMQ at the moment of asking. Lag is the age of the
 * oldest job in the waiting list and of the head of the priority set (commands use priorities),
 * whichever is older; delayed jobs are not late, so they do not count.
 */
export async function queueStat(q: Queue, now = Date.now(), timeoutMs = 1500): Promise<QueueStat> {
  const [counts, waiting, prioritized] = await withTimeout(
    Promise.all([q.getJobCounts(...JOB_STATES), q.getJobs(['waiting'], 0, 0, true), q.getJobs(['prioritized'], 0, 0, true)]),
    timeoutMs,
  );
  const oldest = Math.min(...[...waiting, ...prioritized].filter(Boolean).map((j) => j.timestamp), now);
  return { queue: q.name, counts, lagMs: Math.max(0, now - oldest) };
}
