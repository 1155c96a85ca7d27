import { JobsOptions, Queue } from 'bullmq';
import { DeadLetterJob, QueueName } from './catalogue';
import { CONSUMERS } from './consumers';
import { JobName, jobOptions, JOBS, RetryBudget } from './jobs';

export interface RedriveReport {
  redriven: number;
  skipped: number;
}

/** The catalogue's options for a job added anew on its source queue (events on any consumer queue). */
function freshOptions(source: QueueName, budget?: RetryBudget): JobsOptions {
  if (CONSUMERS.some((c) => c.queue === source)) return budget ? jobOptions('event', {}, budget) : {};
  if (source === JOBS['webhook-delivery'].queue) return budget ? jobOptions('webhook-delivery', {}, budget) : {};
  const name = (Object.keys(JOBS) as JobName[]).find((n) => JOBS[n].queue === source);
  return name && name !== 'event' && name !== 'event-batch' && name !== 'webhook-delivery' ? jobOptions(name) : {};
}

/**
 * Puts dead-lettered jobs back on their queue once the cause is fixed (the receiver is back).
 * The original job, still in its queue's failed set, is retried with its attempts reset so it gets
 * the full backoff again; if it was already removed it is added anew under its own id, with the
 * catalogue's options (JOBS) for its queue. The dead-letter entry is removed, so a new final
 * failure files a new one.
 */
export async function redriveDeadLetters(
  deadLetter: Queue<DeadLetterJob>,
  sources: Partial<Record<QueueName, Queue>>,
  opts: { limit?: number; budget?: RetryBudget } = {},
): Promise<RedriveReport> {
  const jobs = await deadLetter.getJobs(['waiting'], 0, (opts.limit ?? 1000) - 1, true);
  let redriven = 0;
  let skipped = 0;
  for (const dl of jobs) {
    const q = sources[dl.data.source];
    if (!q) {
      skipped++;
      continue;
    }
    const original = await q.getJob(dl.data.jobId);
    if (original && (await original.isFailed())) await original.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    else if (!original)
      await q.add(dl.data.name, dl.data.data, { ...freshOptions(dl.data.source, opts.budget), attempts: dl.data.attempts, jobId: dl.data.jobId });
    else {
      // still waiting or running (a redrive already happened): leave the entry for a later look
      skipped++;
      continue;
    }
    await dl.remove();
    redriven++;
  }
  return { redriven, skipped };
}
