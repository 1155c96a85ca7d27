import { EventEmitter } from 'node:events';
import { Job, QueueEvents } from 'bullmq';
import { waitForJobEnd } from './wait-for-job';

/** A QueueEvents stand-in: the real one is an EventEmitter that emits completed:<id> / failed:<id>. */
function fakeEvents(): QueueEvents & EventEmitter {
  const e = new EventEmitter() as QueueEvents & EventEmitter;
  (e as unknown as { waitUntilReady: () => Promise<void> }).waitUntilReady = async () => undefined;
  return e;
}
const jobWith = (isFinished: () => Promise<[number, string]>) =>
  ({ id: 'j1', name: 'RegisterBed', scripts: { isFinished } }) as unknown as Job<unknown, unknown>;
/** The wait for a job that existed before it began: listeners on, then one look at the stored job. */
function waitForJob(job: Job<unknown, unknown>, events: QueueEvents, ttlMs: number): Promise<unknown> {
  const wait = waitForJobEnd(events, job.id!, job.name, ttlMs);
  wait.lookOnce(job);
  return wait.result;
}

describe('waitForJobEnd: BullMQ waitUntilFinished without the unhandled rejection', () => {
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

  it('listening before the job exists: its events answer with no look at Redis', async () => {
    const events = fakeEvents();
    const wait = waitForJobEnd(events, 'j2', 'RegisterBed', 5_000);
    events.emit('completed:j2', { returnvalue: { sealed: 'y' } });
    await expect(wait.result).resolves.toEqual({ sealed: 'y' });
    expect(events.listenerCount('completed:j2') + events.listenerCount('failed:j2')).toBe(0);
  });

  it('cancelled (the add failed): no listener left, and no timeout fires', async () => {
    const events = fakeEvents();
    const wait = waitForJobEnd(events, 'j3', 'RegisterBed', 10);
    let settled = false;
    wait.result.then(
      () => (settled = true),
      () => (settled = true),
    );
    wait.cancel();
    expect(events.listenerCount('completed:j3') + events.listenerCount('failed:j3')).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
  });
});
