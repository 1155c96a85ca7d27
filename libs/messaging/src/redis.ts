import IORedis, { RedisOptions } from 'ioredis';

/**
 * BullMQ workers need maxRetriesPerRequest: null (blocking commands); producers in the API
 * want fast failure instead, so a Redis outage becomes a 503 rather than a hung request.
 */
export function redisConnection(url: string, role: 'worker' | 'producer'): IORedis {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 200, 2000) };
  return new IORedis(url, opts);
}
