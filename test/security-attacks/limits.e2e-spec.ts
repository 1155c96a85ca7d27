import { connect, createServer, Server, Socket } from 'node:net';
import { mintToken } from '@bedlink/auth';
import { liveDistrictChannel } from '@bedlink/messaging';
import { LiveHub } from '../../apps/api/src/events/live-stream';
import { Engine, startEngine } from '../support/engine';
import { client, eventually } from '../support/http';

jest.setTimeout(120_000);

/** Opens GET /events/stream and resolves with the response (its body still streaming). */
async function openStream(e: Engine, token: string, ac: AbortController): Promise<Response> {
  return fetch(`${e.baseUrl}/events/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
}

describe('Attacks on live streams and limits', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ worker: false, env: { SSE_MAX_STREAMS_PER_PRINCIPAL: '3', SSE_RECHECK_MS: '300', SSE_MAX_BUFFER_BYTES: '65536' } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it('caps open streams per principal: the fourth is 429, another user still gets one', async () => {
    const token = e.token('DISTRICT_COORDINATOR', null, { districtId: 'd1', userId: 'sse-hog' });
    const acs = [0, 1, 2, 3].map(() => new AbortController());
    try {
      const first = await Promise.all(acs.slice(0, 3).map((ac) => openStream(e, token, ac)));
      expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
      const fourth = await openStream(e, token, acs[3]);
      expect(fourth.status).toBe(429);
      expect(((await fourth.json()) as { code: string }).code).toBe('RATE_LIMITED');
      const other = new AbortController();
      const r = await openStream(e, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd1', userId: 'sse-other' }), other);
      expect(r.status).toBe(200);
      other.abort();
    } finally {
      for (const ac of acs) ac.abort();
    }
  });

  it('ends a stream when its token expires', async () => {
    const token = mintToken(e.cfg.JWT_SECRET, { sub: 'sse-short', role: 'DISTRICT_COORDINATOR', inst: null, dist: 'd1' }, '2s');
    const ac = new AbortController();
    const t0 = Date.now();
    const r = await openStream(e, token, ac);
    expect(r.status).toBe(200);
    const text = await r.text(); // resolves only when the server ends the stream
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(text).toMatch(/token expired/);
  });

  it('ends an API key stream soon after the key is revoked', async () => {
    // Issuing and revoking a key are commands: they need the worker this suite otherwise does without.
    await e.startWorker();
    const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd1' }));
    const issued = (await dc.post('/api-keys', { label: 'wall display', role: 'DISTRICT_COORDINATOR', districtId: 'd1' })).body;
    expect(issued.key).toEqual(expect.any(String));
    const r = await fetch(`${e.baseUrl}/events/stream`, { headers: { 'x-api-key': issued.key } });
    expect(r.status).toBe(200);
    const body = r.text();
    expect((await dc.post(`/api-keys/${issued.id}/revoke`)).status).toBe(200);
    const t0 = Date.now();
    expect(await body).toMatch(/credential revoked/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('drops a reader that stops reading instead of buffering for it without bound', async () => {
    const hub = e.api.get(LiveHub);
    // this reader's own streams, by its principal: the other cases' streams may still be closing
    // (jest --randomize ran the stream cap case just before, and hub.size stood still)
    const mine = () => hub.open('sse-sloth\n');
    const token = e.token('DISTRICT_COORDINATOR', null, { districtId: 'd1', userId: 'sse-sloth' });
    // a raw socket that sends the request and then never reads a byte
    const sock = connect(Number(new URL(e.baseUrl).port), '127.0.0.1');
    sock.on('error', () => undefined);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`GET /events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    sock.pause();
    await eventually(
      async () => mine(),
      (n) => n === 1,
      5000,
    );
    const pub = e.redis();
    const big = 'x'.repeat(16_000);
    // far more than the kernel's socket buffers hold: the server's own backlog must hit the cap
    for (let i = 0; i < 3000 && mine() > 0; i++) {
      await pub.publish(
        liveDistrictChannel(e.cfg.QUEUE_PREFIX, 'd1'),
        JSON.stringify({
          id: `e${i}`,
          type: 'BedStatusChanged',
          aggregateType: 'Bed',
          aggregateId: 'b',
          occurredAt: new Date().toISOString(),
          payload: { districtId: 'd1', pad: big },
        }),
      );
    }
    await eventually(
      async () => mine(),
      (n) => n === 0,
      10_000,
    );
    sock.destroy();
  });
});

/** A TCP pass-through to the real Redis that can be cut (every connection dropped) and restored. */
class RedisCable {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}
  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server!.address() as { port: number }).port;
  }
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }
}

describe('Attacks on authentication while Redis is unreachable', () => {
  let e: Engine;
  const cable = new RedisCable(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
  beforeAll(async () => {
    await cable.up();
    e = await startEngine({ worker: false, env: { REDIS_URL: `redis://127.0.0.1:${cable.port}`, AUTH_FAILURE_LIMIT: '5' } });
  });
  afterAll(async () => {
    await cable.up().catch(() => undefined); // the suite's clean-up talks to Redis
    // Let every client reconnect before shutting down: one closed mid-reconnect keeps retrying.
    await eventually(
      async () => (await fetch(`${e.baseUrl}/health/ready`)).status,
      (s) => s === 200,
      15_000,
    ).catch(() => undefined);
    await e?.close();
    await cable.cut();
  });

  it('still limits failed authentications (fail closed): guess #6 from one address is 429', async () => {
    await cable.cut();
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await fetch(`${e.baseUrl}/referrals`, { headers: { authorization: `Bearer not-a-token-${i}` } })).status);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429, 429]);
  });
});
