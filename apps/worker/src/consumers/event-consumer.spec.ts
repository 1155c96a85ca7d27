import { Job } from 'bullmq';
import { BatchEventConsumer, PackedResult } from './event-consumer';

type Ev = { eventId: string; type: string; n: number; poison?: boolean; outage?: boolean };

/** A consumer whose batches are recorded; an event named "poison" fails whichever batch holds it. */
class Recording extends BatchEventConsumer<Ev, number> {
  readonly batches: number[][] = [];
  readonly added: { name: string; data: Ev; opts: Record<string, unknown> }[][] = [];
  constructor() {
    super(
      'events-projections',
      { add: async () => undefined } as never,
      {
        addBulk: async (jobs: { name: string; data: Ev; opts: Record<string, unknown> }[]) => {
          this.added.push(jobs);
          return [];
        },
      } as never,
    );
  }
  protected async handleBatch(events: Ev[]): Promise<number[]> {
    this.batches.push(events.map((e) => e.n));
    if (events.some((e) => e.outage)) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    if (events.some((e) => e.poison)) throw new Error(`poison in a batch of ${events.length}`);
    return events.map((e) => e.n * 10);
  }
  run(job: Partial<Job>): Promise<number | PackedResult<number>> {
    return this.process(job as Job);
  }
}

const ev = (n: number, extra: object = {}): Ev => ({ eventId: `e${n}`, type: 'BedStatusChanged', n, ...extra });
const job = (n: number, extra: object = {}) => ({ id: String(n), data: ev(n, extra) }) as unknown as Job;
const packed = (id: string, events: Ev[]) =>
  ({
    id,
    data: { events },
    opts: { attempts: 3, backoff: { type: 'exponential', delay: 50 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 60 } },
  }) as unknown as Job;

describe('BatchEventConsumer: the jobs a worker holds, handled together', () => {
  it('jobs that reach process() in the same turn form one batch, each gets its own result', async () => {
    const c = new Recording();
    const out = await Promise.all([1, 2, 3].map((n) => c.run(job(n))));
    expect(out).toEqual([10, 20, 30]);
    expect(c.batches).toEqual([[1, 2, 3]]);
  });

  it('one batch at a time: jobs arriving while a batch runs form the next one', async () => {
    const c = new Recording();
    const first = c.run(job(1));
    await new Promise((r) => setImmediate(r)); // batch [1] is running
    const rest = [2, 3].map((n) => c.run(job(n)));
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30]);
    expect(c.batches).toEqual([[1], [2, 3]]);
  });

  it('a poison event fails only its own job: the batch is handled again one job at a time', async () => {
    const c = new Recording();
    const settled = await Promise.allSettled([c.run(job(1)), c.run(job(2, { poison: true })), c.run(job(3))]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(settled[0]).toMatchObject({ value: 10 });
    expect(settled[2]).toMatchObject({ value: 30 });
    expect(c.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('an outage fails every job of the batch at once (no retry one by one against a dead database)', async () => {
    const c = new Recording();
    const settled = await Promise.allSettled([c.run(job(1)), c.run(job(2, { outage: true }))]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(c.batches).toEqual([[1, 2]]);
  });
});

describe('BatchEventConsumer: a packed job is its events', () => {
  it("a packed job's events join the batch with the plain jobs held in the same turn", async () => {
    const c = new Recording();
    const [a, b] = await Promise.all([c.run(job(1)), c.run(packed('p', [ev(2), ev(3), ev(4)]))]);
    expect(a).toBe(10);
    expect(b).toEqual({ results: [20, 30, 40], split: [] });
    expect(c.batches).toEqual([[1, 2, 3, 4]]);
    expect(c.added).toEqual([]);
  });

  it('a poison event of a packed job is split off into its own job, with the packed budget; the rest apply and the job completes', async () => {
    const c = new Recording();
    const out = await c.run(packed('p', [ev(1), ev(2, { poison: true }), ev(3)]));
    expect(out).toEqual({ results: [10, null, 30], split: ['e2'] });
    expect(c.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
    expect(c.added).toEqual([
      [
        {
          name: 'BedStatusChanged',
          data: ev(2, { poison: true }),
          opts: { jobId: 'e2', attempts: 3, backoff: { type: 'exponential', delay: 50 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 60 } },
        },
      ],
    ]);
  });

  it('an event held twice in one batch (a packed job and its copy sent again) is handled once, both answered', async () => {
    const c = new Recording();
    const [a, b] = await Promise.all([c.run(packed('p1', [ev(1), ev(2)])), c.run(packed('p2', [ev(2), ev(3)]))]);
    expect(a).toEqual({ results: [10, 20], split: [] });
    expect(b).toEqual({ results: [20, 30], split: [] });
    expect(c.batches).toEqual([[1, 2, 3]]);
  });

  it('an outage fails the packed job as an outage: nothing is split off', async () => {
    const c = new Recording();
    await expect(c.run(packed('p', [ev(1), ev(2, { outage: true })]))).rejects.toThrow('ECONNREFUSED');
    expect(c.added).toEqual([]);
  });
});
