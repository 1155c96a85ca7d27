import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { RedisThrottlerStorage } from '../apps/api/src/http/throttle';
import { Engine, startEngine } from './support/engine';
import { client } from './support/http';
import { dropQueuePrefix } from './support/redis-keys';

jest.setTimeout(120_000);

describe('Security: rate limiting per principal (Redis), CORS from configuration, error bodies', () => {
  let e: Engine;

  beforeAll(async () => {
    e = await startEngine({ worker: false, env: { RATE_LIMIT: '5', RATE_LIMIT_WINDOW_MS: '4000', CORS_ORIGINS: 'https://console.example.cn' } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it('the sixth request of a user in the window is 429 RATE_LIMITED with Retry-After; another user counts apart', async () => {
    const a = client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'd1', userId: 'auditor-a' }));
    const b = client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'd1', userId: 'auditor-b' }));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await a.get('/institutions')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await a.get('/institutions');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // another principal is not affected
    expect((await b.get('/institutions')).status).toBe(200);
    // the counter lives in Redis under the suite's prefix, so every API replica shares it
    const keys = await e.redis().keys(`${e.cfg.QUEUE_PREFIX}:throttle:*`);
    expect(keys.length).toBeGreaterThan(0);
    // after the block expires the user may call again
    await new Promise((r) => setTimeout(r, Number(limited.headers.get('retry-after')) * 1000 + 300));
    expect((await a.get('/institutions')).status).toBe(200);
  });

  it('anonymous callers are limited by IP on public routes', async () => {
    const anon = client(e.baseUrl);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await anon.get('/health')).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it('failed authentications count against the IP: guessing tokens is rate limited too', async () => {
    const guesser = client(e.baseUrl, 'not-a-token');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await guesser.get('/referrals')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const last = await guesser.get('/referrals');
    expect(last.status).toBe(429);
    expect(last.body.code).toBe('RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('CORS answers only the configured origins', async () => {
    const ok = await fetch(`${e.baseUrl}/institutions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://console.example.cn', 'access-control-request-method': 'POST' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://console.example.cn');
    const evil = await fetch(`${e.baseUrl}/institutions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('errors are { code, message } without stack traces, with security headers', async () => {
    const r = await client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'd1', userId: 'auditor-c' })).get('/referrals/not-a-uuid');
    expect(r.status).toBe(400);
    expect(Object.keys(r.body).sort()).toEqual(expect.arrayContaining(['code', 'message']));
    expect(JSON.stringify(r.body)).not.toMatch(/\.ts:\d+|\.js:\d+|at /);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-powered-by')).toBeNull();
    const unknown = await client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'd1', userId: 'auditor-c' })).get('/no/such/route');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
  });
});

describe('RedisThrottlerStorage', () => {
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `bltest${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await dropQueuePrefix(redis, prefix);
    await redis.quit();
  });

  it('counts hits in a window, blocks past the limit for the block duration, and resets afterwards', async () => {
    const s = new RedisThrottlerStorage(redis, prefix);
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await s.increment('k', 1000, 3, 600, 'default'));
    expect(hits.map((h) => h.totalHits)).toEqual([1, 2, 3, 4]);
    expect(hits.map((h) => h.isBlocked)).toEqual([false, false, false, true]);
    expect(hits[3].timeToBlockExpire).toBe(1);
    expect(hits[0].timeToExpire).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await s.increment('k', 1000, 3, 600, 'default');
    expect(fresh).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('fails open when Redis is unreachable', async () => {
    const dead = new IORedis({ port: 1, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const s = new RedisThrottlerStorage(dead, prefix);
    expect(await s.increment('k', 1000, 1, 1000, 'default')).toMatchObject({ isBlocked: false });
    dead.disconnect();
  });
});
