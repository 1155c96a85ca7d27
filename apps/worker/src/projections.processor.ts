import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CONSUMERS, DeadLetterJob, EventJob, QUEUES } from '@bedlink/messaging';
import { applyJourney, claimInboxAndApplyBedBoard, inboxKey } from '@bedlink/persistence';
import { BatchEventConsumer, eventWorker } from './consumers/event-consumer';

const subscribes = (name: string, type: string) => CONSUMERS.some((c) => c.name === name && c.types !== 'ALL' && c.types.includes(type));

/**
 * Read models kept from events. The bed board first: the inbox rows of the batch's bed events and the
 * board's increments, summed over the batch, in one statement that commits on its own, so the board
 * shows a change as soon as it can (issue 14 measures commit → bed board). Then each journey event,
 * in the order its job was fetched (outbox order), its inbox row and its write in one statement
 * (applyJourney). Every statement carries its own inbox rows, so each read model takes each event
 * once however the batch ends: a batch that fails part-way is handled again and what was applied is
 * skipped. Before, a batch with journey events was one transaction (BEGIN, the bed board, a statement
 * per journey event, COMMIT) and the board waited for the journeys' commit.
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
    const board = events.filter((e) => subscribes('bed-board', e.type)).map((e) => ({ consumer: 'bed-board', eventId: e.eventId }));
    const fresh = board.length ? await claimInboxAndApplyBedBoard(this.ds, board, events) : new Set<string>();
    const out = events.map((e) => ({ applied: fresh.has(inboxKey('bed-board', e.eventId)) }));
    for (const [i, { eventId, type, payload, metadata }] of events.entries()) {
      if (!subscribes('journey', type)) continue;
      if (await applyJourney(this.ds, type, payload, metadata.occurredAt, eventId, 'journey')) out[i].applied = true;
    }
    return out;
  }
}
