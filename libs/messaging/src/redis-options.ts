import IORedis, { Cluster, RedisOptions } from 'ioredis';

/** The settings that choose how the engine reaches Redis (EnvConfig has them; messaging does not depend on config). */
export interface RedisTopology {
  REDIS_URL: string;
  /** "host:port,host:port": Sentinel; REDIS_URL then only gives credentials, db and TLS. */
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_NAME?: string;
  /** "host:port,host:port": Redis Cluster (QUEUE_PREFIX must then be hash-tagged, e.g. "{bedlink}"). */
  REDIS_CLUSTER_NODES?: string;
}

const hostPorts = (list: string) =>
  list
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const i = x.lastIndexOf(':');
      return { host: i > 0 ? x.slice(0, i) : x, port: i > 0 ? Number(x.slice(i + 1)) : 26379 };
    });

/** BullMQ takes ioredis options, not a URL. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Options for a standalone server or a Sentinel-managed primary. With Sentinel, ioredis asks the
 * sentinels for the current primary on every (re)connect, so a failover is a reconnect; a client
 * still talking to a demoted primary gets READONLY and reconnects (to the new one) and resends.
 */
export function redisOptions(t: RedisTopology): RedisOptions {
  const base = redisOptionsFromUrl(t.REDIS_URL);
  if (!t.REDIS_SENTINELS) return base;
  const { host: _h, port: _p, ...rest } = base;
  return {
    ...rest,
    sentinels: hostPorts(t.REDIS_SENTINELS),
    name: t.REDIS_SENTINEL_NAME || 'mymaster',
    reconnectOnError: (e) => (e.message.startsWith('READONLY') ? 2 : false),
  };
}

/** A client for this topology with `extra` options on top (producer or blocking-worker settings). */
export function createRedis(t: RedisTopology, extra: RedisOptions = {}): IORedis | Cluster {
  if (t.REDIS_CLUSTER_NODES) {
    const { host: _h, port: _p, db: _db, ...auth } = redisOptionsFromUrl(t.REDIS_URL);
    return new Cluster(
      hostPorts(t.REDIS_CLUSTER_NODES).map((n) => ({ ...n, port: n.port || 6379 })),
      // lazyConnect is the Cluster's own option too: in redisOptions alone it was ignored, the
      // client connected at once and a later connect() was refused ("already connecting")
      { redisOptions: { ...auth, ...extra }, enableOfflineQueue: extra.enableOfflineQueue ?? true, lazyConnect: extra.lazyConnect ?? false },
    );
  }
  return new IORedis({ ...redisOptions(t), ...extra });
}

/**
 * What BullMQ gets as `connection`: options for standalone and Sentinel (BullMQ makes its own
 * clients from them), one Cluster client for Cluster (BullMQ duplicates it for blocking reads).
 */
export function bullConnection(t: RedisTopology): RedisOptions | Cluster {
  if (t.REDIS_CLUSTER_NODES) return createRedis(t, { maxRetriesPerRequest: null }) as Cluster;
  return redisOptions(t);
}

/**
 * BullMQ never closes a connection instance it was given (only those it made from options): the
 * process that made a Cluster client for it closes it at shutdown with this.
 */
export async function closeSharedConnection(c: RedisOptions | Cluster): Promise<void> {
  if (c instanceof Cluster) await c.quit().catch(() => c.disconnect());
}
