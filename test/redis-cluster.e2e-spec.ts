import { randomBytes } from 'node:crypto';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { PrivateRedisCluster } from './support/redis-cluster';

jest.setTimeout(180_000);

/**
 * The engine on a three-master Redis Cluster (REDIS_CLUSTER_NODES) with a hash-tagged prefix: every
 * queue, script and key in one slot. Commands run, events reach the projections, the live feed and
 * the rate limiter work.
 */
describe('Redis Cluster (REDIS_CLUSTER_NODES, hash-tagged QUEUE_PREFIX)', () => {
  const cluster = new PrivateRedisCluster();
  let e: Engine;
  beforeAll(async () => {
    await cluster.start();
    e = await startEngine({ env: { REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: `{blc${randomBytes(3).toString('hex')}}` } });
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
});
