import { EventJob, isPackedEvents, PackedEventsJob } from './catalogue';
import { eventJobsFor, packedEventsJobId, RelayedEvent } from './jobs';

const budget = { EVENT_RETRY_ATTEMPTS: 3, EVENT_RETRY_BACKOFF_MS: 50, WEBHOOK_MAX_ATTEMPTS: 2, WEBHOOK_BACKOFF_MS: 10 };
const at = '1796123554425000';
const ev = (outboxId: number, sentAtUs = at): RelayedEvent => ({
  outboxId: String(outboxId),
  sentAtUs,
  data: { eventId: `e${outboxId}`, type: 'BedStatusChanged' } as EventJob,
});

describe('eventJobsFor: the jobs that carry a relay pass to one queue', () => {
  it("a batch consumer's queue gets one packed job per block of 100 outbox ids, events in order", () => {
    const jobs = eventJobsFor('events-projections', [ev(198), ev(199), ev(200), ev(201), ev(250)], budget);
    expect(jobs.map((j) => j.name)).toEqual(['event-batch', 'event-batch']);
    expect(jobs.map((j) => (j.data as PackedEventsJob).events.map((e) => e.eventId))).toEqual([
      ['e198', 'e199'],
      ['e200', 'e201', 'e250'],
    ]);
    expect(jobs.map((j) => j.opts.jobId)).toEqual([packedEventsJobId(at, 'e198'), packedEventsJobId(at, 'e200')]);
    expect(jobs[0].opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 50 } });
  });

  it('an event alone in its block stays a plain event job under its own id', () => {
    const jobs = eventJobsFor('events-kpis', [ev(99), ev(100), ev(101)], budget);
    expect(jobs.map((j) => [j.name, j.opts.jobId, isPackedEvents(j.data)])).toEqual([
      ['BedStatusChanged', 'e99', false],
      ['event-batch', packedEventsJobId(at, 'e100'), true],
    ]);
  });

  it('two claims never share a packed job, even in one block', () => {
    const jobs = eventJobsFor('events-projections', [ev(1, '1'), ev(2, '1'), ev(3, '2'), ev(4, '2')], budget);
    expect(jobs.map((j) => j.opts.jobId)).toEqual([packedEventsJobId('1', 'e1'), packedEventsJobId('2', 'e3')]);
  });

  it('a queue whose consumer takes one event at a time gets one job per event', () => {
    const jobs = eventJobsFor('events-webhooks', [ev(1), ev(2)], budget);
    expect(jobs.map((j) => [j.name, j.opts.jobId])).toEqual([
      ['BedStatusChanged', 'e1'],
      ['BedStatusChanged', 'e2'],
    ]);
  });
});
