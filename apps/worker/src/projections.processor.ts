import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CONSUMERS, DeadLetterJob, EventJob, QUEUES } from '@bedlink/messaging';
import { applyBedBoardBatch, applyJourney, claimInbox, inboxKey } from '@bedlink/persistence';
import { BatchEventConsumer, eventWorker } from './consumers/event-consumer';

const subscribes = (name: string, type: string) => CONSUMERS.some((c) => c.name === name && c.types !== 'ALL' && c.types.includes(type));

/**
 * Read models kept from events: the jobs this worker holds are handled in one transaction, the
 * inbox rows of every (read model, event) pair written in one statement with them (exactly-once
 * effect per read model). The bed board's increments are summed over the batch; journeys are applied event by event, in the
 * order their jobs were fetched (outbox order).
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

  protected handleBatch(events: EventJob[]): Promise<{ applied: boolean }[]> {
    const pairs = events.flatMap((e) =>
      ['bed-board', 'journey'].filter((consumer) => subscribes(consumer, e.type)).map((consumer) => ({ consumer, eventId: e.eventId })),
    );
    if (!pairs.length) return Promise.resolve(events.map(() => ({ applied: false })));
    return this.ds.transaction(async (em) => {
      const fresh = await claimInbox(em, pairs);
      const board = events.filter((e) => fresh.has(inboxKey('bed-board', e.eventId)));
      // the board is pure increments: the batch's are summed and written in one statement
      await applyBedBoardBatch(em, board);
      const out = events.map((e) => ({ applied: board.includes(e) }));
      for (const [i, { eventId, type, payload, metadata }] of events.entries()) {
        if (!fresh.has(inboxKey('journey', eventId))) continue;
        await applyJourney(em, type, payload, metadata.occurredAt, eventId);
        out[i].applied = true;
      }
      return out;
    });
  }
}
