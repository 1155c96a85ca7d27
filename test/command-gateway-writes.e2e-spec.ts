import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Queue, QueueEvents } from 'bullmq';
import { loadConfig } from '@bedlink/config';
import { CommandGateway, JobSeal } from '@bedlink/messaging';
import { PiiCipher } from '@bedlink/persistence';
import { writesDuring } from './support/socket-writes';
import { dropQueuePrefix } from './support/redis-keys';

/**
 * A keyed command is added and its stored envelope read back in one round trip; both are written to Redis in
 * one socket write, so Redis is woken once per command. On the real Redis, under a prefix of its own.
 */
describe('the command gateway writes a keyed command to Redis at once', () => {
  const cfg = loadConfig();
  const prefix = `bltest${randomBytes(4).toString('hex')}`;
  let queue: Queue;
  let events: QueueEvents;
  let gateway: CommandGateway;
  const actor = { userId: 'writes-case', role: 'DISCHARGE_PLANNER' as const, institutionId: 'inst-1' };

  beforeAll(async () => {
    queue = new Queue('commands', { prefix, connection: { url: cfg.REDIS_URL } as never });
    events = new QueueEvents('commands', { prefix, connection: { url: cfg.REDIS_URL } as never, autorun: false });
    gateway = new CommandGateway(queue as never, events, async () => null, 1_000, new JobSeal(new PiiCipher(cfg.PII_KEY)));
    await queue.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await queue.close();
    await dropQueuePrefix(cfg.REDIS_URL, prefix);
  });

  /** Socket writes (syscalls) of the queue's Redis connection while `run` runs. */
  const writesOfQueue = async (run: () => Promise<unknown>): Promise<number> =>
    writesDuring(((await queue.client) as unknown as { stream: Socket }).stream, run);

  it('adds the job and reads its envelope back in one write, and knows a retry from a new command', async () => {
    const send = () => gateway.dispatch('DraftReferral', { n: 1 }, actor, { idempotencyKey: 'k-1', wait: false });
    let first: Awaited<ReturnType<typeof send>> | undefined;
    expect(await writesOfQueue(async () => (first = await send()))).toBe(1);
    expect(first).toMatchObject({ status: 'accepted' });
    expect(await queue.getJob(first!.commandId)).toBeTruthy();
    // the same key again: the job is there already, and the gateway reads it as a retry (more reads, same job)
    const again = await send();
    expect(again).toEqual(first);
    expect(await queue.getJobCounts('wait', 'prioritized')).toMatchObject({ prioritized: 1 });
  });
});
