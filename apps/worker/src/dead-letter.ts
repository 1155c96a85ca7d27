import { Logger } from '@nestjs/common';
import { Job, Queue } from 'bullmq';

export interface DeadLetterJob {
  queue: string;
  jobId: string;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  deadAt: string;
}

const log = new Logger('DeadLetter');

/**
 * A job that failed its last attempt is copied to the dead-letter queue (nobody consumes it:
 * operators inspect and replay). Its failure in the source queue is kept as well. Other jobs of
 * the queue were never blocked: BullMQ retries with backoff while the next jobs run.
 */
export async function deadLetter(dlq: Queue, queue: string, job: Job | undefined, err: Error): Promise<void> {
  if (!job) return;
  const attempts = job.opts.attempts ?? 1;
  if (job.attemptsMade < attempts) return;
  const entry: DeadLetterJob = { queue, jobId: String(job.id), name: job.name, data: job.data, failedReason: err?.message ?? String(err), attemptsMade: job.attemptsMade, deadAt: new Date().toISOString() };
  try {
    await dlq.add(job.name, entry, { jobId: `${queue}-${job.id}`, removeOnComplete: false, removeOnFail: false });
    log.error(`${queue} job ${job.id} (${job.name}) dead-lettered after ${job.attemptsMade} attempts: ${entry.failedReason}`);
  } catch (e) {
    log.error(`could not dead-letter ${queue} job ${job.id}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
