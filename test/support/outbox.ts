import { Job } from 'bullmq';
import { EventJob, isPackedEvents } from '@bedlink/messaging';

/**
 * Outbox rows numbered `from`…`to` (payload.n): BedRegistered events for beds no one has, which the bed board
 * records in its inbox and otherwise ignores. The relay and recovery suites build their backlogs from them.
 */
export const bedEventsBacklog = (from: number, to: number) =>
  `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata)
   SELECT gen_random_uuid(), 'BedRegistered', 'Bed', gen_random_uuid(), jsonb_build_object('n', n), jsonb_build_object('occurredAt', now())
     FROM generate_series(${from}, ${to}) n`;

/** The events these jobs carry, each with its job: a packed job (a block of events) gives one per event. */
export const eventsOf = (jobs: readonly Job[]) =>
  jobs.flatMap((job) => (isPackedEvents(job.data) ? job.data.events : [job.data as EventJob]).map((ev) => ({ ev, job })));
