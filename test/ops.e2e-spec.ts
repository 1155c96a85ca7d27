import { ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../bench/support';
import { ALL_QUEUES } from '@bedlink/messaging';
import { Engine, startEngine } from './support/engine';
import { residentId } from './support/fixture';
import { client, eventually } from './support/http';
import { redisReady } from './support/redis-procs';

jest.setTimeout(120_000);

/** A private redis-server for this suite only: the shared one is never stopped. */
class PrivateRedis {
  private proc?: ChildProcess;
  constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) return;
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    await redisReady(this.port);
  }
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  }
}

describe('Operations: the queue dashboard is for administrators only, and read-only', () => {
  let e: Engine;
  let admin: string;
  beforeAll(async () => {
    e = await startEngine({ worker: false });
    admin = e.token('AUDITOR', null, { districtId: 'd1' });
  });
  afterAll(async () => {
    await e?.close();
  });
  const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

  it('answers 401 without credentials or with a token that does not verify, 403 to other roles', async () => {
    const anon = await client(e.baseUrl).get('/admin/queues');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await client(e.baseUrl).get('/admin/queues/api/queues')).status).toBe(401);
    expect((await client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd1' })).get('/admin/queues')).status).toBe(403);
    expect((await client(e.baseUrl, e.token('DISCHARGE_PLANNER', '00000000-0000-4000-8000-000000000001')).get('/admin/queues/api/queues')).status).toBe(403);
    expect((await client(e.baseUrl).get('/admin/queues', basic('admin', 'not-a-token'))).status).toBe(401);
    // a static secret is no credential any more, nor a token signed with another key
    expect((await client(e.baseUrl).get('/admin/queues', { authorization: `Bearer ops-test-admin-token-0123456789abcdef` })).status).toBe(401);
    expect((await client(e.baseUrl).get('/admin/queues', { authorization: `Bearer ${admin}x` })).status).toBe(401);
  });

  it('shows every queue to an administrator (HTTP Basic in a browser, or a bearer token)', async () => {
    const page = await client(e.baseUrl).get('/admin/queues', basic('admin', admin));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await client(e.baseUrl).get('/admin/queues/api/queues', { authorization: `Bearer ${admin}` });
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([...ALL_QUEUES].sort());
  });

  it('is read-only: an administrator cannot pause, clean or retry a queue through it', async () => {
    const h = { authorization: `Bearer ${admin}` };
    for (const path of [
      '/admin/queues/api/queues/commands/pause',
      '/admin/queues/api/queues/commands/clean/completed',
      '/admin/queues/api/queues/commands/retry/failed',
    ]) {
      const r = await client(e.baseUrl).raw('PUT', path, undefined, h);
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    const api = await client(e.baseUrl).get('/admin/queues/api/queues', h);
    const commands = api.body.queues.find((q: { name: string }) => q.name === 'commands');
    expect(commands.readOnlyMode).toBe(true);
    expect(commands.isPaused).toBe(false);
  });
});

describe('Operations: webhook URLs into the private network are refused when so configured (SSRF)', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }, worker: false });
  });
  afterAll(async () => {
    await e?.close();
  });

  it('answers 400 for loopback, private and metadata addresses, with nothing stored', async () => {
    // no worker in this suite: the centre is written straight to the table (a token must name a registered institution of its role's type)
    await e.ds.query(
      `INSERT INTO institutions (id, code, name, type, district_id, lat, lng, services) VALUES ('00000000-0000-4000-8000-000000000002', 'SSRF-CC', 'SSRF', 'COMMUNITY_HEALTH_CENTRE', 'd1', 31.2, 121.4, '{}')`,
    );
    const cc = client(e.baseUrl, e.token('COMMUNITY_COORDINATOR', '00000000-0000-4000-8000-000000000002'));
    for (const url of ['http://127.0.0.1:9/h', 'http://localhost/h', 'http://10.0.0.5/h', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/h']) {
      const r = await cc.post('/webhooks', { url });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/webhook url refused/) });
    }
    expect((await e.ds.query(`SELECT count(*)::int AS n FROM webhook_subscriptions`))[0].n).toBe(0);
  });
});

describe('Operations: readiness follows Redis and the command queue lag', () => {
  let e: Engine;
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    e = await startEngine({ env: { REDIS_URL: redis.url, READY_MAX_QUEUE_LAG_MS: '500' } });
  });
  afterAll(async () => {
    await redis?.start().catch(() => undefined); // close() cleans its keys through Redis (a no-op if it is up)
    await e?.close().catch(() => undefined);
    await redis?.stop();
  });

  const ready = () => client(e.baseUrl).get('/health/ready');

  it('/health/ready turns 503 when Redis stops and 200 when it returns; /health stays up', async () => {
    const up = await ready();
    expect(up.status).toBe(200);
    expect(up.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' }, commandQueue: { status: 'up', lagMs: 0 } });

    await redis.stop();
    const down = await eventually(ready, (r) => r.status === 503, 15_000, 200);
    expect(down.body).toMatchObject({ code: 'NOT_READY', details: { redis: { status: 'down' }, database: { status: 'up' } } });
    const live = await client(e.baseUrl).get('/health');
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('degraded');
    // /metrics still answers, promptly, and says what it could not read
    const t0 = Date.now();
    const m = await fetch(`${e.baseUrl}/metrics`, { headers: { authorization: `Bearer ${e.token('AUDITOR', null, { districtId: 'd1' })}` } });
    const text = await m.text();
    expect(m.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(text).toMatch(/^bedlink_metrics_scrape_errors_total\{source="redis"\} [1-9]/m);
    expect(text).not.toMatch(/^bedlink_queue_jobs\{/m);
    expect(text).toMatch(/^bedlink_outbox_backlog_events \d+$/m);
    // a token that does not verify opens no dashboard, even with Redis down
    expect((await client(e.baseUrl).get('/admin/queues', { authorization: 'Bearer anything-at-all-0123456789abcdef' })).status).toBe(401);

    await redis.start();
    const back = await eventually(ready, (r) => r.status === 200, 20_000, 200);
    expect(back.body.details.redis.status).toBe('up');
    // and the engine works again end to end on the restarted Redis
    const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd9' }));
    const inst = await eventually(
      () =>
        dc.post(
          '/institutions',
          { code: 'CC-after-restart', name: '重启后社区中心', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd9', services: [] },
          { 'idempotency-key': 'after-restart' },
        ),
      (r) => r.status === 201,
      20_000,
      250,
    );
    expect(inst.body.institutionId).toEqual(expect.any(String));
  });

  it('/health/ready turns 503 when commands wait longer than READY_MAX_QUEUE_LAG_MS, 200 once a worker drains them', async () => {
    const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd9' }));
    // the centre the Redis case made, or one of this case's own when jest --randomize runs this case first
    const have = (await dc.get('/institutions?districtId=d9')).body as { id: string }[];
    const cc = have.length
      ? have[0].id
      : ((
          await dc.post(
            '/institutions',
            { code: 'CC-queue-lag', name: '排队社区中心', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd9', services: [] },
            { 'idempotency-key': 'queue-lag' },
          )
        ).body.institutionId as string);
    expect(cc).toEqual(expect.any(String));
    await e.stopWorker();
    try {
      const planner = client(e.baseUrl, e.token('COMMUNITY_COORDINATOR', cc, { districtId: 'd9' }));
      expect(
        (await planner.post('/patients', { residentId: residentId(777), name: '排队患者', phone: '13800138002' }, { prefer: 'respond-async' })).status,
      ).toBe(202);
      const lagging = await eventually(ready, (r) => r.status === 503, 5_000, 100);
      expect(lagging.body.details).toMatchObject({ redis: { status: 'up' }, commandQueue: { status: 'down', maxLagMs: 500 } });
      expect(lagging.body.details.commandQueue.lagMs).toBeGreaterThan(500);
    } finally {
      await e.startWorker();
    }
    await eventually(ready, (r) => r.status === 200, 15_000, 100);
  });
});
