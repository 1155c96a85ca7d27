import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import IORedis, { Cluster } from 'ioredis';
import { Actor } from '@bedlink/domain';

/** Fixed window counter plus a block key, atomically in one script (several API processes share it). */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return { hits, ttl, blocked }
`;

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
 * ThrottlerStorage over ioredis, so limits hold across API replicas. When Redis is unreachable it
 * does not fail open: each process counts on its own (MemoryWindows), so requests still pass up
 * to the limit per replica (a Redis blip is no outage of reads) and failed authentications stay
 * limited (a Redis outage is no licence to guess tokens).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly log = new Logger('Throttler');
  private lastWarn = 0;
  private readonly local = new MemoryWindows();

  constructor(
    private readonly redis: IORedis | Cluster,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    // Both keys of the script start with the prefix: hash-tagged ("{bedlink}") they share a Cluster slot.
    const k = `${this.prefix}:throttle:${throttlerName}:${key}`;
    try {
      const [hits, ttlMs, blockedMs] = (await this.redis.eval(INCREMENT, 2, k, `${k}:blocked`, ttl, limit, blockDuration || ttl)) as number[];
      return {
        totalHits: hits,
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
}

/** Limits per principal: the user or API key once authenticated (runs after AuthGuard), else the client IP. */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const actor = req.actor as Actor | undefined;
    return actor ? `u:${actor.userId}` : `ip:${req.ip}`;
  }

  protected override async shouldSkip(ctx: ExecutionContext): Promise<boolean> {
    return ctx.getType() !== 'http';
  }
}
