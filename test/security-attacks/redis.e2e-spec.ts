import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { CommandJob, QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { Engine, startEngine } from '../support/engine';
import { ok, residentId, smallDistrict } from '../support/fixture';
import { eventually } from '../support/http';

jest.setTimeout(180_000);

/** Every value stored under the suite's queue prefix, whatever the Redis type, as one string. */
async function dumpPrefix(e: Engine): Promise<{ keys: number; text: string }> {
  const r = e.redis();
  const parts: string[] = [];
  let cursor = '0';
  let keys = 0;
  do {
    const [next, batch] = await r.scan(cursor, 'MATCH', `${e.cfg.QUEUE_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of batch) {
      keys++;
      const t = await r.type(k);
      if (t === 'string') parts.push((await r.get(k)) ?? '');
      else if (t === 'hash') parts.push(JSON.stringify(await r.hgetall(k)));
      else if (t === 'list') parts.push(JSON.stringify(await r.lrange(k, 0, -1)));
      else if (t === 'set') parts.push(JSON.stringify(await r.smembers(k)));
      else if (t === 'zset') parts.push(JSON.stringify(await r.zrange(k, 0, -1)));
      else if (t === 'stream') parts.push(JSON.stringify(await r.xrange(k, '-', '+')));
      parts.push(k);
    }
  } while (cursor !== '0');
  return { keys, text: parts.join('\n') };
}

describe('Attacks on Redis and the queues', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('keeps resident IDs, names and phones out of every key: command jobs, results, events', async () => {
    const rid = residentId(777_123, 'F');
    const name = '红线测试李女士';
    const phone = '13712349876';
    // a waited command (result stored in the job and the events stream) and an accepted one
    const reg = await ok(d.planner.post('/patients', { residentId: rid, name, phone }), 'register');
    const patientId = reg.patientId as string;
    const rid2 = residentId(777_125, 'M');
    const later = await d.planner.post('/patients', { residentId: rid2, name: '红线测试张先生', phone: '13600001111' }, { prefer: 'respond-async' });
    expect([201, 202]).toContain(later.status);
    const drafted = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'hip fracture day 6',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    const referralId = drafted.referralId as string;
    await ok(d.planner.post(`/referrals/${referralId}/submit`, {}), 'submit');
    const offer = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc1, targetBedId: d.cc1Beds[0] }), 'offer');
    await ok(d.cc1c.post(`/referrals/${referralId}/offers/${offer.offerId}/accept`, {}), 'accept');
    await ok(d.planner.post(`/referrals/${referralId}/start-transfer`, {}), 'transfer');
    await ok(d.cc1c.post(`/referrals/${referralId}/confirm-admission`, {}), 'admit');
    // let the relay copy the events to every consumer queue
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n,
      (n) => n === 0,
      15_000,
    ).catch(() => undefined);
    const dump = await dumpPrefix(e);
    expect(dump.keys).toBeGreaterThan(10);
    for (const secret of [rid, name, phone, rid2, '红线测试张先生', '13600001111']) {
      const at = dump.text.indexOf(secret);
      expect(at < 0 ? 'nowhere' : `${secret} at …${dump.text.slice(Math.max(0, at - 300), at + 50)}`).toBe('nowhere');
    }
    // and not escaped as JSON unicode either
    expect(dump.text).not.toContain(JSON.stringify(name).slice(1, -1));
    expect(dump.text.toLowerCase()).not.toContain('\\u7ea2\\u7ebf');
  });

  it('refuses a forged command added straight to the queue with a district coordinator actor', async () => {
    const q = new Queue<CommandJob>(QUEUES.commands, { connection: redisOptionsFromUrl(e.cfg.REDIS_URL), prefix: e.cfg.QUEUE_PREFIX });
    const code = `FORGED-${randomUUID().slice(0, 8)}`;
    const jobId = `cforged${randomUUID().replace(/-/g, '')}`;
    try {
      const forged: CommandJob = {
        type: 'RegisterInstitution',
        payload: { code, name: '伪造机构', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd1', lat: 31.2, lng: 121.4, services: [] },
        actor: { userId: 'dc-forger', role: 'DISTRICT_COORDINATOR', institutionId: null, districtId: 'd1' } as CommandJob['actor'],
        correlationId: randomUUID(),
        causationId: null,
        submittedAt: new Date().toISOString(),
        fingerprint: '',
      } as CommandJob;
      await q.add('RegisterInstitution', forged as any, { jobId, attempts: 3 });
      const state = await eventually(
        async () => (await q.getJob(jobId))?.getState(),
        (s) => s === 'failed' || s === 'completed',
        15_000,
      );
      expect(state).toBe('failed');
      const job = await q.getJob(jobId);
      expect(job!.attemptsMade).toBe(1); // unrecoverable: not retried
      expect(job!.failedReason).toMatch(/signature/i);
      expect(await e.ds.query(`SELECT id FROM institutions WHERE code = $1`, [code])).toHaveLength(0);
      const logged = await e.ds.query(`SELECT ok, result FROM command_log WHERE id = $1`, [jobId]);
      expect(logged).toHaveLength(1);
      expect(logged[0].ok).toBe(false);
      expect(JSON.stringify(logged[0].result)).toMatch(/JOB_SIGNATURE_INVALID/);
      // a genuine job's sealed envelope copied under another job id is refused as well (no replay)
      const [genuine] = await q.getJobs(['completed'], 0, 0);
      expect(genuine).toBeDefined();
      const replayId = `creplay${randomUUID().replace(/-/g, '')}`;
      await q.add(genuine.name as any, genuine.data as any, { jobId: replayId });
      expect(
        await eventually(
          async () => (await q.getJob(replayId))?.getState(),
          (s) => s === 'failed' || s === 'completed',
          15_000,
        ),
      ).toBe('failed');
    } finally {
      await q.close();
    }
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED to one of two concurrent requests with one key and different bodies (20 tries)', async () => {
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      const key = `inflight-${randomUUID()}`;
      const bodies = [0, 1].map((j) => ({ residentId: residentId(888_000 + i * 2 + j, 'F'), name: `并发${i}-${j}`, phone: '13800000000' }));
      const [a, b] = await Promise.all(bodies.map((body) => d.planner.post('/patients', body, { 'idempotency-key': key })));
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([201, 422]);
      const loser = a.status === 422 ? a : b;
      expect(loser.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      refused++;
    }
    expect(refused).toBe(20);
  });
});
