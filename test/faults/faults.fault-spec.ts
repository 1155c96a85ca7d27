import { randomUUID } from 'node:crypto';
import { mintToken } from '@bedlink/auth';
import { APIS, assertInvariants, Cluster, deadLetters, eventually, http, sleep, startCluster, terminateBackends, WORKERS } from './harness';

/**
 * Fault injection against real processes: two APIs and two workers (FAULT_APIS, FAULT_WORKERS) as
 * child processes, the clients' requests spread over the APIs in turn, a private
 * redis-server, Postgres behind a TCP proxy. Clients retry with the same Idempotency-Key (what
 * the API asks of them), so every lifecycle must complete, and the invariants must hold after.
 * FAULT_LIFECYCLES sets the SIGKILL test's size (500 by default; CI may pass fewer).
 */
jest.setTimeout(600_000);
const N = Number(process.env.FAULT_LIFECYCLES ?? 500);
const SMALL = Number(process.env.FAULT_LIFECYCLES_SMALL ?? 60);
const log = (s: string) => process.stderr.write(`[faults] ${s}\n`);

/** Runs `total` lifecycles with `users` concurrent virtual users; resolves when all ended. */
function lifecycles(c: Cluster, total: number, users = 16) {
  const d = c.driver();
  let started = 0;
  const done = Promise.all(
    Array.from({ length: users }, async () => {
      while (started < total) {
        started++;
        await d.lifecycle();
      }
    }),
  );
  return { d, done };
}

describe('fault injection: the engine loses nothing and never double-books', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ districts: 2, institutions: 24, beds: 6000, patients: Math.max(2000, N + 4 * SMALL + 200) });
    log(`cluster up: ${APIS} api (${c.baseUrls.join(' ')}), ${WORKERS} workers, private redis :${c.redis.port}, pg proxy :${c.proxy.port}, logs ${c.logDir}`);
  });
  afterAll(async () => {
    await c?.close();
  });

  it(`SIGKILL of a worker at random moments during ${N} lifecycles: all complete, invariants hold`, async () => {
    const { d, done } = lifecycles(c, N);
    let finished = false;
    void done.then(() => (finished = true));
    let kills = 0;
    const progress = setInterval(() => log(`  SIGKILL: ${d.completed}/${N} completed, ${d.failed} failed, ${kills} kills`), 5000);
    while (!finished) {
      await sleep(1000 + Math.random() * 3000);
      if (finished) break;
      await c.killWorker();
      kills++;
      await sleep(Math.random() * 500);
      await c.startWorker();
    }
    await done;
    clearInterval(progress);
    log(`SIGKILL: ${kills} kills, ${d.completed} completed, ${d.failed} failed ${JSON.stringify([...d.failures])}`);
    expect(kills).toBeGreaterThan(0);
    expect(d.failures).toEqual(new Map());
    expect(d.completed).toBe(N);
    await assertInvariants(c);
  });

  it('Redis flushed and restarted mid-run: commands retried by key, events re-sent from the outbox, invariants hold', async () => {
    const { d, done } = lifecycles(c, SMALL);
    await sleep(1500);
    await c.redis.flushAndRestart(1000);
    await done;
    log(`redis: ${d.completed} completed, ${d.failed} failed ${JSON.stringify([...d.failures])}`);
    expect(d.failures).toEqual(new Map());
    expect(d.completed).toBe(SMALL);
    await assertInvariants(c);
  });

  it('Postgres connections killed (pg_terminate_backend) mid-run: the pools reconnect, invariants hold', async () => {
    const { d, done } = lifecycles(c, SMALL);
    await sleep(1000);
    const first = await terminateBackends(c.dbUrl);
    await sleep(1500);
    const second = await terminateBackends(c.dbUrl);
    await done;
    log(`pg_terminate_backend: ${first} + ${second} backends killed; ${d.completed} completed, ${d.failed} failed ${JSON.stringify([...d.failures])}`);
    expect(first).toBeGreaterThan(0);
    expect(d.failures).toEqual(new Map());
    expect(d.completed).toBe(SMALL);
    await assertInvariants(c);
  });

  it('Postgres unreachable for 10 s: the API answers 503 DATABASE_UNAVAILABLE meanwhile and recovers without a restart', async () => {
    const hospital = c.reg.hospitals[0];
    const planner = mintToken(c.secret, { sub: 'fault-planner', role: 'DISCHARGE_PLANNER', inst: hospital.id, dist: hospital.districtId });
    const patientId = c.reg.patients.get(hospital.id)!.pop()!;
    const drafted = await http(c.baseUrl, 'POST', '/referrals', planner, {
      patientId,
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      urgency: 'ROUTINE',
      clinicalSummary: 'x',
      consent: true,
    });
    expect(drafted.status).toBe(201);
    const id = drafted.body.referralId;
    const apiPid = c.api!.child.pid;
    const workerPid = c.worker!.child.pid;

    const { d, done } = lifecycles(c, SMALL, 8);
    await sleep(1000);
    await c.proxy.cut();
    const cutAt = Date.now();
    const read = await http(c.baseUrl, 'GET', `/referrals/${id}`, planner, undefined, {}, 15_000);
    expect(read).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE', message: expect.any(String) } });
    const cmd = await http(c.baseUrl, 'POST', `/referrals/${id}/submit`, planner, {}, { 'idempotency-key': `submit-${id}` }, 15_000);
    expect(cmd).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    const ready = await http(c.baseUrl, 'GET', '/health/ready', undefined, undefined, {}, 15_000);
    expect(ready).toMatchObject({ status: 503, body: { code: 'NOT_READY' } });
    await sleep(Math.max(0, 10_000 - (Date.now() - cutAt)));
    await c.proxy.start();

    // same processes, no restart: reads and commands work again
    const back = await eventually(
      () => http(c.baseUrl, 'GET', `/referrals/${id}`, planner),
      (r) => r.status === 200,
      30_000,
    );
    expect(back.body.state).toBe('DRAFT');
    const submitted = await eventually(
      () => http(c.baseUrl, 'POST', `/referrals/${id}/submit`, planner, {}, { 'idempotency-key': `submit-${id}` }),
      (r) => r.status === 200,
      30_000,
    );
    expect(submitted.body.state).toBe('SUBMITTED');
    await done;
    expect(c.api!.child.pid).toBe(apiPid);
    expect(c.worker!.child.pid).toBe(workerPid);
    expect(c.api!.child.exitCode).toBeNull();
    log(`pg outage: ${d.completed} completed, ${d.failed} failed ${JSON.stringify([...d.failures])}`);
    expect(d.failures).toEqual(new Map());
    expect(d.completed).toBe(SMALL);
    await assertInvariants(c);
  });

  it('a poison event goes to the dead-letter queue after its retries and does not hold up the others', async () => {
    const poisonId = randomUUID();
    // a bed-board event whose institution id is not a uuid: the projection throws on it every time
    await c.ds.query(
      `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata) VALUES ($1, 'BedReserved', 'Bed', $2, $3, $4)`,
      [
        poisonId,
        randomUUID(),
        JSON.stringify({ bedId: randomUUID(), institutionId: 'not-a-uuid', districtId: 'bd01', kind: 'COMMUNITY' }),
        JSON.stringify({ commandId: 'poison', aggregateSeq: 1 }),
      ],
    );
    const { d, done } = lifecycles(c, SMALL);
    await done;
    expect(d.failures).toEqual(new Map());
    const dead = await eventually(
      () => deadLetters(c),
      (xs) => xs.some((x) => x.jobId === poisonId && x.source === 'events-projections'),
      30_000,
    );
    expect(dead.find((x) => x.jobId === poisonId && x.source === 'events-projections')).toMatchObject({ attempts: 3 });
    // only the poison: every other event was applied. Every consumer host dead-letters now, so the
    // poison may die in each consumer that takes its type (the webhook fan-out too), never another event.
    expect([...new Set(dead.map((x) => x.jobId))]).toEqual([poisonId]);
    await assertInvariants(c, { deadLettered: [poisonId] });
  });
});
