import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import IORedis from 'ioredis';
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
 * ThrottlerStorage over ioredis, so limits hold across API replicas. Fails open: when Redis is
 * unreachable requests pass (commands then answer 503 on their own), the limiter never turns a
 * Redis blip into an outage of reads.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly log = new Logger('Throttler');
  private lastWarn = 0;

  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const k = `${this.prefix}:throttle:${throttlerName}:${key}`;
    try {
      const [hits, ttlMs, blockedMs] = (await this.redis.eval(INCREMENT, 2, k, `${k}:blocked`, ttl, limit, blockDuration || ttl)) as number[];
      return { totalHits: hits, timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)), isBlocked: blockedMs > 0, timeToBlockExpire: Math.max(0, Math.ceil(blockedMs / 1000)) };
    } catch (e) {
      if (Date.now() - this.lastWarn > 10_000) {
        this.lastWarn = Date.now();
        this.log.warn(`rate limiting suspended, Redis unreachable: ${e instanceof Error ? e.message : String(e)}`);
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
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
