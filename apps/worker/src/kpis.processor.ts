import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { DeadLetterJob, EventJob, QUEUES } from '@bedlink/messaging';
import { claimInboxAndApplyKpis } from '@bedlink/persistence';
import { BatchEventConsumer, eventWorker } from './consumers/event-consumer';

/** Referral KPIs (acceptance, time-to-accept, escalations) kept for /metrics, once per event, a batch per statement. */
@Processor(QUEUES.kpiEvents, eventWorker(32))
export class KpisProcessor extends BatchEventConsumer<EventJob, { applied: boolean }> {
  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
    @InjectQueue(QUEUES.kpiEvents) own: Queue,
  ) {
    super(QUEUES.kpiEvents, dlq, own);
  }

  protected async handleBatch(events: EventJob[]): Promise<{ applied: boolean }[]> {
    // the inbox rows and the counters in one statement, atomic on its own: no transaction to open
    const fresh = await claimInboxAndApplyKpis(
      this.ds,
      events.map((e) => ({ eventId: e.eventId, type: e.type, aggregateId: e.aggregateId, occurredAt: e.metadata?.occurredAt ?? e.committedAt })),
    );
    return events.map((e) => ({ applied: fresh.has(e.eventId) }));
  }
}
