import { randomUUID } from 'node:crypto';
import { mintToken } from '@bedlink/auth';
import { APIS, assertInvariants, Cluster, deadLetters, eventually, http, sleep, startCluster, terminateBackends, WORKERS } from './harness';
import type { HttpReply } from '../../bench/support';

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

  it('contention: referrals race for the same beds and programme slots while the worker is killed; one winner per bed, none over capacity', async () => {
    const BEDS = 3;
    const SLOTS = 2;
    const RACERS = 4; // referrals per bed, and per programme slot
    // one community centre of a hospital's district with BEDS free beds, taken out of the load driver's pool
    const hospital = c.reg.hospitals[0];
    const pool = c.reg.freeBeds.get(`${hospital.districtId}/COMMUNITY`)!;
    const byCentre = new Map<string, number>();
    for (const b of pool) byCentre.set(b.institutionId, (byCentre.get(b.institutionId) ?? 0) + 1);
    const centre = [...byCentre].find(([, n]) => n >= BEDS)![0];
    const beds = pool.filter((b) => b.institutionId === centre).slice(0, BEDS);
    for (const b of beds) pool.splice(pool.indexOf(b), 1);
    const hospitals = c.reg.hospitals.filter((h) => h.districtId === hospital.districtId);
    const planners = new Map(
      hospitals.map((h) => [h.id, mintToken(c.secret, { sub: `race-planner-${h.id.slice(0, 8)}`, role: 'DISCHARGE_PLANNER', inst: h.id, dist: h.districtId })]),
    );
    const receiver = mintToken(c.secret, { sub: 'race-receiver', role: 'COMMUNITY_COORDINATOR', inst: centre, dist: hospital.districtId });

    /** A client that retries with the same key until the command has an answer (as the load driver does). */
    const command = async (token: string, path: string, body: unknown, key: string): Promise<HttpReply> => {
      for (let attempt = 1; ; attempt++) {
        const r = await http(c.baseUrl, 'POST', path, token, body, { 'idempotency-key': key }, 20_000).catch((e: Error): HttpReply => ({
          status: 0,
          body: { code: 'NETWORK', message: e.message },
          ms: 0,
        }));
        if (![0, 202, 500, 503].includes(r.status) || attempt >= 60) return r;
        await sleep(Math.min(2000, 100 * attempt));
      }
    };
    const must = async (r: Promise<HttpReply>, what: string) => {
      const x = await r;
      if (x.status >= 300) throw new Error(`${what}: ${x.status} ${JSON.stringify(x.body)}`);
      return x.body;
    };

    const prog = await must(
      command(receiver, '/programmes', { institutionId: centre, kind: 'HOME_SICKBED', name: `race-${randomUUID()}`, capacity: SLOTS }, `race-prog-${centre}`),
      'register programme',
    );
    const programmeId: string = prog.programmeId ?? prog.id;

    // every racer offered (and viewing) the contested bed or programme, none accepted yet
    interface Racer {
      referralId: string;
      offerId: string;
      patientId: string;
      planner: string;
      bedId?: string;
    }
    const prepare = async (i: number, bedId?: string): Promise<Racer> => {
      const h = hospitals[i % hospitals.length];
      const patientId = c.reg.patients.get(h.id)!.pop()!;
      const planner = planners.get(h.id)!;
      const kind = bedId ? 'COMMUNITY' : 'HOME_SICKBED';
      const d = await must(
        command(
          planner,
          '/referrals',
          { patientId, requestedKind: kind, services: ['NURSING'], urgency: 'ROUTINE', clinicalSummary: 'race', consent: true },
          `race-d-${patientId}`,
        ),
        'draft',
      );
      await must(command(planner, `/referrals/${d.referralId}/submit`, {}, `race-s-${d.referralId}`), 'submit');
      const o = await must(
        command(
          planner,
          `/referrals/${d.referralId}/offers`,
          bedId ? { targetInstitutionId: centre, targetBedId: bedId } : { targetInstitutionId: centre, targetProgrammeId: programmeId },
          `race-o-${d.referralId}`,
        ),
        'offer',
      );
      await must(command(receiver, `/referrals/${d.referralId}/offers/${o.offerId}/view`, {}, `race-v-${d.referralId}`), 'view');
      return { referralId: d.referralId, offerId: o.offerId, patientId, planner, bedId };
    };
    const racers: Racer[] = [];
    for (let i = 0; i < BEDS * RACERS; i++) racers.push(await prepare(i, beds[i % BEDS].bedId));
    for (let i = 0; i < SLOTS * RACERS; i++) racers.push(await prepare(i));

    // all accept at once; the worker dies in the middle, so some answers come from a retry by key
    const accept = (x: Racer) =>
      command(receiver, `/referrals/${x.referralId}/offers/${x.offerId}/accept`, x.bedId ? { bedId: x.bedId } : { programmeId }, `race-a-${x.referralId}`);
    const answers = Promise.all(racers.map(accept));
    await sleep(200);
    await c.killWorker();
    await sleep(300);
    await c.startWorker();
    const replies = await answers;
    const winners = racers.filter((_, i) => replies[i].status === 200);
    const losers = racers.map((x, i) => ({ x, r: replies[i] })).filter(({ r }) => r.status !== 200);
    log(`contention: ${winners.length} accepted, refusals ${JSON.stringify(losers.map(({ r }) => `${r.status} ${r.body?.code}`))}`);
    for (const { r } of losers)
      expect({ status: r.status, code: r.body?.code }).toEqual({
        status: 409,
        code: expect.stringMatching(/^(BED_ALREADY_RESERVED|BED_NOT_AVAILABLE|PROGRAMME_FULL|VERSION_CONFLICT)$/),
      });
    // one winner per bed, exactly as many programme winners as slots
    for (const b of beds) expect(winners.filter((x) => x.bedId === b.bedId)).toHaveLength(1);
    expect(winners.filter((x) => !x.bedId)).toHaveLength(SLOTS);

    // the winners complete at once while the losers try again (a fresh key: a new attempt, not a replay); every loser still loses
    const finish = async (x: Racer) => {
      await must(command(x.planner, `/referrals/${x.referralId}/start-transfer`, {}, `race-t-${x.referralId}`), 'start transfer');
      await must(command(receiver, `/referrals/${x.referralId}/confirm-admission`, {}, `race-c-${x.referralId}`), 'confirm admission');
    };
    const retries = await Promise.all([
      ...winners.map(finish),
      ...losers.map(({ x }) =>
        command(receiver, `/referrals/${x.referralId}/offers/${x.offerId}/accept`, x.bedId ? { bedId: x.bedId } : { programmeId }, `race-a2-${x.referralId}`),
      ),
    ]);
    for (const r of retries.slice(winners.length) as HttpReply[]) expect(r.status).toBe(409);

    // each contested bed holds its winner's patient; the programme enrols exactly its capacity
    const occupants: { id: string; occupant_patient_id: string }[] = await c.ds.query(`SELECT id, occupant_patient_id FROM beds WHERE id = ANY($1)`, [
      beds.map((b) => b.bedId),
    ]);
    for (const b of beds) expect(occupants.find((o) => o.id === b.bedId)?.occupant_patient_id).toBe(winners.find((x) => x.bedId === b.bedId)!.patientId);
    const enrolled: { patient_id: string }[] = await c.ds.query(`SELECT patient_id FROM enrolments WHERE programme_id = $1 AND ended_at IS NULL`, [
      programmeId,
    ]);
    expect(enrolled.map((e) => e.patient_id).sort()).toEqual(
      winners
        .filter((x) => !x.bedId)
        .map((x) => x.patientId)
        .sort(),
    );
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
