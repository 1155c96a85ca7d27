import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { EventJob, QUEUES } from '@bedlink/messaging';
import { applyBedBoard, handleOnce } from '@bedlink/persistence';

/** Read models kept from events, each effect with its inbox row (exactly-once effect). */
@Processor(QUEUES.projections, { concurrency: 4 })
export class ProjectionsProcessor extends WorkerHost {
  constructor(private readonly ds: DataSource) {
    super();
  }
  async process(job: Job<EventJob>): Promise<{ applied: boolean }> {
    const applied = await handleOnce(this.ds, 'bed-board', job.data.eventId, (em) => applyBedBoard(em, job.data.type, job.data.payload));
    return { applied };
  }
}
