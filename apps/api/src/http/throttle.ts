import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import IORedis, { Cluster } from 'ioredis';
import { Actor } from '@bedlink/domain';

/**
 * Fixed window counter plus a block key, atomically in one script (several API processes share
 * it). A request may take up to ARGV[4] hits of the window at once (a lease): the ones it does not
 * use are spent by the same process's next requests without asking Redis. The grant never takes
 * the window past the limit, so all processes together admit at most the limit; the request that
 * finds nothing left is refused and sets the block key, as before leases.
 * Returns { hits in the window, its ttl, block ttl (> 0: refused), hits granted }.
 */
const LEASE = `
local blocked = redis.call('PTTL', KEYS[2])
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > 0 then return { hits, redis.call('PTTL', KEYS[1]), blocked, 0 } end
local grant = math.min(tonumber(ARGV[4]), tonumber(ARGV[2]) - hits)
if grant < 1 then
  hits = redis.call('INCR', KEYS[1])
  if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return { hits, redis.call('PTTL', KEYS[1]), tonumber(ARGV[3]), 0 }
end
hits = redis.call('INCRBY', KEYS[1], grant)
if hits == grant then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { hits, redis.call('PTTL', KEYS[1]), 0, grant }
`;

/**
 * Hits a request leases for its process: a 64th of the limit, at most 64. A generous limit
 * (RATE_LIMIT 100,000 a minute) costs one Redis round trip per 64 requests of a principal instead
 * of one each; a tight one (under 128, failed sign-ins) is still counted in Redis hit by hit. The
 * price: hits leased and not yet spent count as used, so other processes may refuse up to a 64th
 * of the limit early per API process, never admit more than the limit.
 */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.min(64, Math.floor(limit / 64)));
}

/**
 * Fixed windows in this process only: the stand-in while Redis is unreachable. Bounded (the oldest
 * window is dropped when full), so a flood of addresses cannot grow it without limit.
 */
export class MemoryWindows {
  private readonly windows = new Map<string, { hits: number; until: number; blockedUntil: number }>();
  constructor(private readonly maxKeys = 50_000) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number): ThrottlerStorageRecord {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || (w.until <= now && w.blockedUntil <= now)) {
      if (w) this.windows.delete(key);
      else if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
      w = { hits: 0, until: now + ttl, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    if (w.until <= now) w = Object.assign(w, { hits: 0, until: now + ttl });
    w.hits++;
    if (w.blockedUntil <= now && w.hits > limit) w.blockedUntil = now + blockDuration;
    const blocked = Math.max(0, w.blockedUntil - now);
    return { totalHits: w.hits, timeToExpire: Math.ceil((w.until - now) / 1000), isBlocked: blocked > 0, timeToBlockExpire: Math.ceil(blocked / 1000) };
  }
}

/**
 * ThrottlerStorage over ioredis, so limits hold across API replicas, with hits leased in chunks
 * (LEASE, leaseSize) so a principal's requests do not each cost a Redis round trip. When Redis is unreachable it
 * does not fail open: each process counts on its own (MemoryWindows), so requests still pass up
 * to the limit per replica (a Redis blip is no outage of reads) and failed authentications stay
 * limited (a Redis outage is no licence to guess tokens).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly log = new Logger('Throttler');
  private lastWarn = 0;
  private readonly local = new MemoryWindows();
  /** Hits this process leased and has not spent yet, per key, until their window ends. */
  private readonly leases = new Map<string, { left: number; hits: number; until: number }>();

  constructor(
    private readonly redis: IORedis | Cluster,
    private readonly prefix: string,
    private readonly maxKeys = 50_000,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    // Both keys of the script start with the prefix: hash-tagged ("{bedlink}") they share a Cluster slot.
    const k = `${this.prefix}:throttle:${throttlerName}:${key}`;
    const now = Date.now();
    const lease = this.leases.get(k);
    if (lease && lease.until > now && lease.left > 0) {
      lease.left--;
      return { totalHits: lease.hits - lease.left, timeToExpire: Math.ceil((lease.until - now) / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
    try {
      const want = leaseSize(limit);
      const [hits, ttlMs, blockedMs, granted] = (await this.redis.eval(LEASE, 2, k, `${k}:blocked`, ttl, limit, blockDuration || ttl, want)) as number[];
      if (granted > 1) this.keep(k, { left: granted - 1, hits, until: Date.now() + ttlMs });
      else this.leases.delete(k);
      return {
        totalHits: granted > 0 ? hits - (granted - 1) : hits,
        timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)),
        isBlocked: blockedMs > 0,
        timeToBlockExpire: Math.max(0, Math.ceil(blockedMs / 1000)),
      };
    } catch (e) {
      if (Date.now() - this.lastWarn > 10_000) {
        this.lastWarn = Date.now();
        this.log.warn(`rate limiting per process only, Redis unreachable: ${e instanceof Error ? e.message : String(e)}`);
      }
      return this.local.increment(k, ttl, limit, blockDuration || ttl);
    }
  }

  /** Bounded like MemoryWindows: a flood of principals drops the oldest leases (their hits stay counted in Redis). */
  private keep(k: string, lease: { left: number; hits: number; until: number }): void {
    this.leases.delete(k);
    if (this.leases.size >= this.maxKeys) this.leases.delete(this.leases.keys().next().value as string);
    this.leases.set(k, lease);
  }
}

/** Limits per principal: the user or API key once authenticated (runs after AuthGuard), else the client IP. */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const actor = req.actor as Actor | undefined;
    return actor ? `u:${actor.userId}` : `ip:${req.ip}`;
  }

  /**
   * One window per principal, whatever the route (RATE_LIMIT is "requests per principal"): the
   * default key also names the controller and handler, which gave a principal RATE_LIMIT per route
   * and a lease per route, so every command of a lifecycle went to Redis. Hashed, as by default:
   * Redis keys carry no user ids.
   */
  protected override generateKey(_ctx: ExecutionContext, tracker: string, throttlerName: string): string {
    return createHash('sha256').update(`${throttlerName}-${tracker}`).digest('hex');
  }

  protected override async shouldSkip(ctx: ExecutionContext): Promise<boolean> {
    return ctx.getType() !== 'http';
  }
}
