import { JobsOptions, Queue } from 'bullmq';
import { DeadLetterJob } from './catalogue';

export interface RedriveReport {
  redriven: number;
  skipped: number;
}

/**
 * Puts dead-lettered jobs back on their queue once the cause is fixed (the receiver is back).
 * The original job, still in its queue's failed set, is retried with its attempts reset so it gets
 * the full backoff again; if it was already removed it is added anew under its own id. The
 * dead-letter entry is removed, so a new final failure files a new one.
 */
export async function redriveDeadLetters(deadLetter: Queue<DeadLetterJob>, sources: Record<string, Queue>, opts: { limit?: number; addOptions?: JobsOptions } = {}): Promise<RedriveReport> {
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
    else if (!original) await q.add(dl.data.name, dl.data.data, { ...opts.addOptions, attempts: dl.data.attempts, jobId: dl.data.jobId });
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
