import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { CONSUMERS, EventJob, QUEUES } from '@bedlink/messaging';
import { applyBedBoard, applyJourney, handleOnce, isDatabaseUnavailable } from '@bedlink/persistence';
import { deadLetter } from './dead-letter';

/** How long a crashed worker's event job stays locked before another worker takes it over. */
const lockDuration = Number(process.env.EVENT_LOCK_MS ?? 30_000);

const subscribes = (name: string, type: string) => CONSUMERS.some((c) => c.name === name && c.types !== 'ALL' && c.types.includes(type));

/** Read models kept from events, each effect with its own inbox row (exactly-once effect per consumer). */
// A job whose worker died is "stalled"; BullMQ fails it for good after maxStalledCount stalls
// (default 1), which for an event means an effect silently never applied. Crashes are not the
// event's fault: let it be taken over as often as workers die.
@Processor(QUEUES.projections, { concurrency: 4, lockDuration, stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)), maxStalledCount: 1000 })
export class ProjectionsProcessor extends WorkerHost {
  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QUEUES.deadLetter) private readonly dlq: Queue,
  ) {
    super();
  }
  async process(job: Job<EventJob>, token?: string): Promise<{ applied: boolean }> {
    const { eventId, type, payload, metadata } = job.data;
    try {
      let applied = false;
      if (subscribes('bed-board', type)) applied = (await handleOnce(this.ds, 'bed-board', eventId, (em) => applyBedBoard(em, type, payload))) || applied;
      if (subscribes('journey', type)) applied = (await handleOnce(this.ds, 'journey', eventId, (em) => applyJourney(em, type, payload, metadata.occurredAt))) || applied;
      return { applied };
    } catch (e) {
      // An outage is not the event's fault: wait for the database without spending an attempt,
      // so only events that fail on their own (poison) ever reach the dead-letter queue.
      if (isDatabaseUnavailable(e) && token) {
        await job.moveToDelayed(Date.now() + 1000, token);
        throw new DelayedError();
      }
      throw e;
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): Promise<void> {
    return deadLetter(this.dlq, QUEUES.projections, job, err);
  }
}
