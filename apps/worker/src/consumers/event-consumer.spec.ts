import { Job } from 'bullmq';
import { BatchEventConsumer } from './event-consumer';

/** A consumer whose batches are recorded; an event named "poison" fails whichever batch holds it. */
class Recording extends BatchEventConsumer<{ n: number; poison?: boolean; outage?: boolean }, number> {
  readonly batches: number[][] = [];
  constructor() {
    super('events-projections', { add: async () => undefined } as never);
  }
  protected async handleBatch(jobs: Job<{ n: number; poison?: boolean; outage?: boolean }>[]): Promise<number[]> {
    this.batches.push(jobs.map((j) => j.data.n));
    if (jobs.some((j) => j.data.outage)) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    if (jobs.some((j) => j.data.poison)) throw new Error(`poison in a batch of ${jobs.length}`);
    return jobs.map((j) => j.data.n * 10);
  }
  run(job: Partial<Job>): Promise<number> {
    return this.process(job as Job);
  }
}

const job = (n: number, extra: object = {}) => ({ id: String(n), data: { n, ...extra } }) as unknown as Job;

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
