import { randomBytes } from 'node:crypto';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { PrivateRedisCluster } from './support/redis-cluster';
import { Queue } from 'bullmq';
import { QUEUES } from '@bedlink/messaging';
import { OPS_QUEUES } from '../apps/api/src/ops/queue-stats';

jest.setTimeout(180_000);

/**
 * The engine on a three-master Redis Cluster (REDIS_CLUSTER_NODES) with a hash-tagged prefix: every
 * queue, script and key in one slot. Commands run, events reach the projections, the live feed and
 * the rate limiter work.
 */
describe('Redis Cluster (REDIS_CLUSTER_NODES, hash-tagged QUEUE_PREFIX)', () => {
  const cluster = new PrivateRedisCluster();
  let e: Engine;
  /** An engine on the private cluster, its queues under a prefix of its own in one slot. */
  const engineOnCluster = () => startEngine({ env: { REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: `{blc${randomBytes(3).toString('hex')}}` } });
  beforeAll(async () => {
    await cluster.start();
    e = await engineOnCluster();
  });
  afterAll(async () => {
    await e?.close().catch(() => undefined);
    await cluster.stop();
  });

  it('runs commands and delivers their events to the projections', async () => {
    const d = await smallDistrict(e, 'clu');
    const { bedId } = await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Cluster', label: 'c-1', services: [] }), 'bed');
    expect(bedId).toBeTruthy();
    await eventually(
      async () => (await e.ds.query(`SELECT total FROM bed_board WHERE institution_id = $1 AND kind = 'COMMUNITY'`, [d.cc1]))[0]?.total,
      (t) => t === 4,
      30_000,
    );
    // an async command and its status, through the cluster
    const r = await d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Cluster', label: 'c-2', services: [] }, { prefer: 'respond-async' });
    expect(r.status).toBe(202);
    await eventually(
      async () => (await e.ds.query(`SELECT ok FROM command_log WHERE id = $1`, [r.body.commandId]))[0]?.ok,
      (v) => v === true,
      30_000,
    );
  });

  it('a worker stopped with commands in flight closes its BullMQ workers before the shared Cluster client', async () => {
    // Nest ran the app module's shutdown hooks first: the Cluster client BullMQ shares was quit under
    // workers still finishing jobs, and BullMQ, closing, retried each completion without a delay and
    // without end (a busy loop that starved every timer: the suite hung CI instead of failing). An
    // engine of its own on the same cluster: the other case keeps its worker, whatever the order.
    const e2 = await engineOnCluster();
    try {
      const d = await smallDistrict(e2, 'clv');
      const sent = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Stop', label: `s-${i}`, services: [] }, { prefer: 'respond-async' }),
        ),
      );
      expect(sent.map((r) => r.status)).toEqual(sent.map(() => 202));
      const ids = sent.map((r) => r.body.commandId as string);
      const done = async () => Number((await e2.ds.query(`SELECT count(*)::int AS n FROM command_log WHERE id = ANY($1) AND ok`, [ids]))[0].n);
      await eventually(done, (n) => n >= 1, 30_000);
      await e2.stopWorker();
      // none lost: what the stopped worker did not finish is still on the commands queue for the next one
      const queues = e2.api.get<symbol, Queue[]>(OPS_QUEUES);
      const commands = queues.find((q) => q.name === QUEUES.commands)!;
      const left = Object.values(await commands.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'paused')).reduce((a, b) => a + b, 0);
      expect((await done()) + left).toBeGreaterThanOrEqual(ids.length);
    } finally {
      await e2.close().catch(() => undefined);
    }
  });
});
