import { EventEmitter } from 'node:events';
import { Job, QueueEvents } from 'bullmq';
import { waitForJob } from './wait-for-job';

/** A QueueEvents stand-in: the real one is an EventEmitter that emits completed:<id> / failed:<id>. */
function fakeEvents(): QueueEvents & EventEmitter {
  const e = new EventEmitter() as QueueEvents & EventEmitter;
  (e as unknown as { waitUntilReady: () => Promise<void> }).waitUntilReady = async () => undefined;
  return e;
}
const jobWith = (isFinished: () => Promise<[number, string]>) =>
  ({ id: 'j1', name: 'RegisterBed', scripts: { isFinished } }) as unknown as Job<unknown, unknown>;

describe('waitForJob: BullMQ waitUntilFinished without the unhandled rejection', () => {
  it('a Redis error in the first look is handled: no unhandled rejection, and the completion event still answers', async () => {
    const unhandled: unknown[] = [];
    const on = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', on);
    try {
      const events = fakeEvents();
      const waiting = waitForJob(
        jobWith(() => Promise.reject(new Error('Reached the max retries per request limit (which is 1)'))),
        events,
        5_000,
      );
      await new Promise((r) => setImmediate(r));
      events.emit('completed:j1', { returnvalue: { ok: true } });
      await expect(waiting).resolves.toEqual({ ok: true });
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
      expect(events.listenerCount('completed:j1') + events.listenerCount('failed:j1')).toBe(0);
    } finally {
      process.off('unhandledRejection', on);
    }
  });

  it('a job already finished answers from the first look: its return value, or its failure', async () => {
    await expect(
      waitForJob(
        jobWith(async () => [1, '{"sealed":"x"}']),
        fakeEvents(),
        5_000,
      ),
    ).resolves.toEqual({ sealed: 'x' });
    await expect(
      waitForJob(
        jobWith(async () => [-1, 'boom']),
        fakeEvents(),
        5_000,
      ),
    ).rejects.toThrow('boom');
  });

  it('no event and no finished job: it times out with the message the gateway turns into a 202', async () => {
    await expect(
      waitForJob(
        jobWith(async () => [0, '']),
        fakeEvents(),
        20,
      ),
    ).rejects.toThrow(/timed out/);
  });
});
