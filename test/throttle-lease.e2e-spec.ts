import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { leaseSize, RedisThrottlerStorage } from '../apps/api/src/http/throttle';
import { dropQueuePrefix } from './support/redis-keys';

/**
 * Rate limiting with leased hits, on the real Redis: a principal's requests cost one round trip
 * per lease, not one each, and several API processes together still admit no more than the limit.
 */
describe('Rate limiting: hits leased per process, the limit held across processes', () => {
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `bltest${randomBytes(4).toString('hex')}`;
  let evals = 0;
  const counted = new Proxy(redis, {
    get(target, prop, receiver) {
      if (prop === 'eval') return (...a: Parameters<IORedis['eval']>) => (evals++, target.eval(...a));
      return Reflect.get(target, prop, receiver);
    },
  });
  afterAll(async () => {
    await dropQueuePrefix(redis, prefix);
    await redis.quit();
  });

  it('a generous limit: 200 requests of one principal cost a round trip per 64', async () => {
    const s = new RedisThrottlerStorage(counted, prefix);
    evals = 0;
    for (let i = 0; i < 200; i++) expect((await s.increment('u:gen', 60_000, 100_000, 60_000, 'default')).isBlocked).toBe(false);
    expect(leaseSize(100_000)).toBe(64);
    expect(evals).toBe(Math.ceil(200 / 64));
  });

  it('three processes sharing a limit of 640 admit 640 in all, then refuse (leases never overdraw)', async () => {
    const procs = [0, 1, 2].map(() => new RedisThrottlerStorage(redis, prefix));
    let admitted = 0;
    let refused = 0;
    for (let i = 0; i < 1200; i++) {
      const r = await procs[i % 3].increment('u:shared', 60_000, 640, 60_000, 'default');
      if (r.isBlocked) refused++;
      else admitted++;
    }
    expect(leaseSize(640)).toBe(10);
    // at most the limit; short of it by no more than the leases the other two processes hold unspent
    expect(admitted).toBeLessThanOrEqual(640);
    expect(admitted).toBeGreaterThanOrEqual(640 - 2 * leaseSize(640));
    expect(refused).toBe(1200 - admitted);
  });

  it('a tight limit (failed sign-ins) is counted hit by hit: the 21st is refused and blocked', async () => {
    const s = new RedisThrottlerStorage(counted, prefix);
    evals = 0;
    const out = [];
    for (let i = 0; i < 22; i++) out.push(await s.increment('ip:1.2.3.4', 60_000, 20, 60_000, 'auth'));
    expect(evals).toBe(22);
    expect(out.slice(0, 20).every((r) => !r.isBlocked)).toBe(true);
    expect(out[20]).toMatchObject({ isBlocked: true, totalHits: 21 });
    expect(out[21].isBlocked).toBe(true);
  });
});
