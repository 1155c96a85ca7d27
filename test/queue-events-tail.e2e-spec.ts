import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { loadConfig } from '@bedlink/config';
import { eventsTail, waitForJobEnd } from '../libs/messaging/src/wait-for-job';
import { dropQueuePrefix } from './support/redis-keys';

jest.setTimeout(30_000);

/**
 * The command gateway listens for a job's end before it adds the job and never asks Redis whether a new
 * job has ended already. That holds only if its QueueEvents reads the stream from where it stood when
 * the API started: BullMQ's default ('$') is "after whatever is there at my first read", and a job that
 * ends before that first read ends unseen. These run on the real Redis, under a prefix of their own.
 */
describe('the command queue event stream, read from where it stood at start', () => {
  const url = loadConfig().REDIS_URL;
  const prefix = `bltest${randomBytes(4).toString('hex')}`;
  const name = 'commands';
  const closers: (() => Promise<unknown>)[] = [];
  let queue: Queue;

  beforeAll(async () => {
    queue = new Queue(name, { prefix, connection: { url } as never });
    closers.push(() => queue.close());
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await dropQueuePrefix(url, prefix);
  });

  it('a job added and ended before the reader first reads is still seen by a wait set up before the add', async () => {
    expect(await eventsTail(queue)).toBe('0-0'); // nothing written yet: from the beginning
    await queue.add('Warm', {}, { jobId: 'warm' }); // the stream has entries from here on
    const tail = await eventsTail(queue);
    expect(tail).toMatch(/^\d+-\d+$/);

    // both readers exist, neither has read yet (autorun off), as at an API's start
    const fromTail = new QueueEvents(name, { prefix, connection: { url } as never, autorun: false, lastEventId: tail });
    const fromFirstRead = new QueueEvents(name, { prefix, connection: { url } as never, autorun: false });
    closers.push(
      () => fromTail.close(),
      () => fromFirstRead.close(),
    );
    const seen = waitForJobEnd<{ n: number }>(fromTail, 'j1', 'Probe', 5_000);
    const unseen = waitForJobEnd<{ n: number }>(fromFirstRead, 'j1', 'Probe', 1_500);

    const worker = new Worker(name, async (job) => (job.name === 'Probe' ? { n: 7 } : null), { prefix, connection: { url } as never });
    closers.push(() => worker.close());
    await queue.add('Probe', {}, { jobId: 'j1' });
    const done = new QueueEvents(name, { prefix, connection: { url } as never, lastEventId: tail });
    closers.push(() => done.close());
    await waitForJobEnd(done, 'j1', 'Probe', 5_000).result; // it has ended, before either reader began

    void fromTail.run();
    void fromFirstRead.run();
    await expect(seen.result).resolves.toEqual({ n: 7 });
    // BullMQ's default start misses it: the reason for eventsTail
    await expect(unseen.result).rejects.toThrow(/timed out/);
  });

  it('Redis unreachable at start: "$" after the timeout, not a start that hangs', async () => {
    const dead = new Queue(name, { prefix, connection: { host: '127.0.0.1', port: 1, maxRetriesPerRequest: 1, retryStrategy: () => null } as never });
    dead.on('error', () => undefined);
    // close() on a queue that never connected resolves at once but leaves a 2 s timer of the client's behind
    // (node: `await dead.close()` then process.getActiveResourcesInfo() lists a Timeout, and --detectOpenHandles
    // names it here); disconnect() leaves none, so the suite ends with nothing of its own still open.
    closers.push(() => dead.disconnect());
    const t0 = Date.now();
    expect(await eventsTail(dead, 300)).toBe('$');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
