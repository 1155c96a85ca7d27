import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { CONSUMERS, DeadLetterJob, EventJob, QUEUES } from '@bedlink/messaging';
import { applyJourney, claimInboxAndApplyBedBoard, inboxKey } from '@bedlink/persistence';
import { BatchEventConsumer, eventWorker } from './consumers/event-consumer';

const subscribes = (name: string, type: string) => CONSUMERS.some((c) => c.name === name && c.types !== 'ALL' && c.types.includes(type));

/**
 * Read models kept from events: the events this worker holds are handled together, the inbox rows of
 * every (read model, event) pair written in the same statement as the bed board's increments, summed
 * over the batch (exactly-once effect per read model). A batch of bed events is that one statement; one
 * with journey events is a transaction, journeys applied event by event in the order their jobs were
 * fetched (outbox order).
 */
@Processor(QUEUES.projections, eventWorker(32))
export class ProjectionsProcessor extends BatchEventConsumer<EventJob, { applied: boolean }> {
  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
    @InjectQueue(QUEUES.projections) own: Queue,
  ) {
    super(QUEUES.projections, dlq, own);
  }

  protected async handleBatch(events: EventJob[]): Promise<{ applied: boolean }[]> {
    const pairs = events.flatMap((e) =>
      ['bed-board', 'journey'].filter((consumer) => subscribes(consumer, e.type)).map((consumer) => ({ consumer, eventId: e.eventId })),
    );
    if (!pairs.length) return events.map(() => ({ applied: false }));
    const apply = async (q: Pick<EntityManager, 'query'>) => {
      // the inbox rows and the board's summed increments: one statement
      const fresh = await claimInboxAndApplyBedBoard(q, pairs, events);
      const out = events.map((e) => ({ applied: fresh.has(inboxKey('bed-board', e.eventId)) }));
      for (const [i, { eventId, type, payload, metadata }] of events.entries()) {
        if (!fresh.has(inboxKey('journey', eventId))) continue;
        await applyJourney(q, type, payload, metadata.occurredAt, eventId);
        out[i].applied = true;
      }
      return out;
    };
    // a batch of bed events is that one statement, atomic on its own; journeys add statements, so a transaction
    if (!pairs.some((p) => p.consumer === 'journey')) return apply(this.ds);
    return this.ds.transaction(apply);
  }
}
