import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { DeadLetterJob, EventJob, QUEUES } from '@bedlink/messaging';
import { applyKpis, claimInbox, inboxKey } from '@bedlink/persistence';
import { BatchEventConsumer, eventWorker } from './consumers/event-consumer';

/** Referral KPIs (acceptance, time-to-accept, escalations) kept for /metrics, once per event, a batch per transaction and write. */
@Processor(QUEUES.kpiEvents, eventWorker(32))
export class KpisProcessor extends BatchEventConsumer<EventJob, { applied: boolean }> {
  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
    @InjectQueue(QUEUES.kpiEvents) own: Queue,
  ) {
    super(QUEUES.kpiEvents, dlq, own);
  }

  protected handleBatch(events: EventJob[]): Promise<{ applied: boolean }[]> {
    return this.ds.transaction(async (em) => {
      const fresh = await claimInbox(
        em,
        events.map((e) => ({ consumer: 'kpis', eventId: e.eventId })),
      );
      const applied = events.filter((e) => fresh.has(inboxKey('kpis', e.eventId)));
      await applyKpis(
        em,
        applied.map((e) => ({ type: e.type, aggregateId: e.aggregateId, occurredAt: e.metadata?.occurredAt ?? e.committedAt })),
      );
      const done = new Set(applied);
      return events.map((e) => ({ applied: done.has(e) }));
    });
  }
}
