import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { DeadLetterJob, EventJob, QUEUES } from '@bedlink/messaging';
import { applyKpis, handleOnce } from '@bedlink/persistence';
import { EventConsumer, eventWorker } from './consumers/event-consumer';

/** Referral KPIs (acceptance, time-to-accept, escalations) kept for /metrics, once per event. */
@Processor(QUEUES.kpiEvents, eventWorker(1))
export class KpisProcessor extends EventConsumer<EventJob, { applied: boolean }> {
  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
  ) {
    super(QUEUES.kpiEvents, dlq);
  }

  protected async handle(job: Job<EventJob>): Promise<{ applied: boolean }> {
    const e = job.data;
    const applied = await handleOnce(this.ds, 'kpis', e.eventId, (em) => applyKpis(em, e.type, e.aggregateId, e.metadata?.occurredAt ?? e.committedAt));
    return { applied };
  }
}
