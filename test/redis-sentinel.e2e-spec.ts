import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { SentinelRedis } from './support/sentinel';

jest.setTimeout(240_000);

/**
 * Redis with Sentinel, failed over for real while commands are in flight. The claim: whatever the
 * API acknowledged (201 with a result, or 202 accepted) happens exactly once; what it refused
 * (503 while no primary answered) the client may retry under its Idempotency-Key.
 */
describe('Redis Sentinel failover with commands in flight', () => {
  const redis = new SentinelRedis();
  let e: Engine;
  beforeAll(async () => {
    await redis.start();
    e = await startEngine({
      env: {
        REDIS_SENTINELS: redis.sentinels,
        REDIS_SENTINEL_NAME: redis.name,
        COMMAND_TIMEOUT_MS: '3000',
        SWEEP_INTERVAL_MS: '500',
        SWEEP_AFTER_MS: '2000',
        LEADER_POLL_MS: '500',
      },
    });
  });
  afterAll(async () => {
    await e?.close().catch(() => undefined);
    await redis.stop();
  });

  it('loses nothing acknowledged and runs nothing twice', async () => {
    const d = await smallDistrict(e, 'sen');
    expect(await redis.primary()).toBe(redis.primaryPort);

    const replies: { label: string; status: number }[] = [];
    const send = async (i: number) => {
      const label = `sen-${i}`;
      const r = await d.cc1c
        .post(
          '/beds',
          { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Sentinel', label, services: ['REHAB'] },
          { 'idempotency-key': `sentinel-${i}`, ...(i % 2 ? { prefer: 'respond-async' } : {}) },
        )
        .catch(() => ({ status: 0 }));
      replies.push({ label, status: r.status });
    };
    // 40 commands over ~10 s; the primary dies after the first 1.5 s (a failover takes a few seconds)
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      inFlight.push(send(i));
      if (i === 6) redis.killPrimary();
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all(inFlight);
    await eventually(
      () => redis.primary(),
      (p) => p === redis.replicaPort,
      30_000,
      200,
    );

    const acknowledged = replies.filter((r) => r.status === 201 || r.status === 202).map((r) => r.label);
    const refused = replies.filter((r) => !(r.status === 201 || r.status === 202));
    process.stdout.write(
      `sentinel failover: ${acknowledged.length} acknowledged (${replies.filter((r) => r.status === 202).length} as 202), ${refused.length} refused (${[
        ...new Set(refused.map((r) => r.status)),
      ].join(', ')})\n`,
    );
    // some before the primary died, some on the new primary
    expect(acknowledged.length).toBeGreaterThan(7);
    for (const r of refused) expect([503, 0]).toContain(r.status);

    // every acknowledged bed exists, once (202s may need the sweeper: the job may have died with the primary)
    const beds = async () =>
      new Map<string, number>(
        (await e.ds.query(`SELECT label, count(*)::int AS n FROM beds WHERE institution_id = $1 AND label LIKE 'sen-%' GROUP BY label`, [d.cc1])).map(
          (r: { label: string; n: number }) => [r.label, r.n],
        ),
      );
    const present = await eventually(beds, (m) => acknowledged.every((l) => m.has(l)), 60_000, 250);
    for (const n of present.values()) expect(n).toBe(1);

    // the refused ones, retried under their keys after the failover, each run once too
    for (const r of refused) {
      const i = Number(r.label.slice(4));
      await eventually(
        () =>
          d.cc1c.post(
            '/beds',
            { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Sentinel', label: r.label, services: ['REHAB'] },
            { 'idempotency-key': `sentinel-${i}` },
          ),
        (x) => x.status === 201 || x.status === 200,
        30_000,
        250,
      );
    }
    const all = await beds();
    expect(all.size).toBe(40);
    for (const n of all.values()) expect(n).toBe(1);
    // and the engine works on the new primary
    await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Sentinel', label: 'after', services: ['REHAB'] }), 'after failover');
  });
});
