import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CONSUMERS, DeadLetterJob, EventJob, QUEUES } from '@bedlink/messaging';
import { applyBedBoard, applyJourney, handleOnce } from '@bedlink/persistence';
import { EventConsumer, eventWorker } from './consumers/event-consumer';

const subscribes = (name: string, type: string) => CONSUMERS.some((c) => c.name === name && c.types !== 'ALL' && c.types.includes(type));

/** Read models kept from events, each effect with its own inbox row (exactly-once effect per consumer). */
@Processor(QUEUES.projections, eventWorker(4))
export class ProjectionsProcessor extends EventConsumer<EventJob, { applied: boolean }> {
  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadLetter) dlq: Queue<DeadLetterJob>,
  ) {
    super(QUEUES.projections, dlq);
  }

  protected async handle(job: Job<EventJob>): Promise<{ applied: boolean }> {
    const { eventId, type, payload, metadata } = job.data;
    let applied = false;
    if (subscribes('bed-board', type)) applied = (await handleOnce(this.ds, 'bed-board', eventId, (em) => applyBedBoard(em, type, payload))) || applied;
    if (subscribes('journey', type))
      applied = (await handleOnce(this.ds, 'journey', eventId, (em) => applyJourney(em, type, payload, metadata.occurredAt, eventId))) || applied;
    return { applied };
  }
}
