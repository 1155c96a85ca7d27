import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { EventJob, QUEUES } from '@bedlink/messaging';
import { applyKpis, handleOnce } from '@bedlink/persistence';

/** Referral KPIs (acceptance, time-to-accept, escalations) kept for /metrics, once per event. */
@Processor(QUEUES.kpiEvents, { concurrency: 1 })
export class KpisProcessor extends WorkerHost {
  constructor(private readonly ds: DataSource) {
    super();
  }
  async process(job: Job<EventJob>): Promise<{ applied: boolean }> {
    const e = job.data;
    const applied = await handleOnce(this.ds, 'kpis', e.eventId, (em) => applyKpis(em, e.type, e.aggregateId, e.metadata?.occurredAt ?? e.committedAt));
    return { applied };
  }
}
