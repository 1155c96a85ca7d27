import IORedis from 'ioredis';

/**
 * Deletes every key under a suite's queue prefix (what a Redis flush does to that suite alone) and returns
 * how many there were. `redis` is a client or a URL (a client of its own is opened and closed). KEYS, not
 * SCAN: the prefix is the suite's own and this runs once at its end; DEL goes in batches of 500 so a big
 * backlog does not make one huge command.
 */
export async function dropQueuePrefix(redis: IORedis | string, prefix: string): Promise<number> {
  const r = typeof redis === 'string' ? new IORedis(redis) : redis;
  try {
    const keys = await r.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
    return keys.length;
  } finally {
    if (typeof redis === 'string') await r.quit();
  }
}
