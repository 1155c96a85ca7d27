import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ErrorBody } from '../http/api-docs';
import { HealthCheckService, TypeOrmHealthIndicator, HealthIndicatorService } from '@nestjs/terminus';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { QUEUES } from '@bedlink/messaging';
import { Public } from '../http/auth';
import { queueStat } from '../ops/queue-stats';
import { publicDetails, publicHealth } from './health-report';

/**
 * /health answers 200 while the process lives, with each dependency's status in the body;
 * /health/ready answers 503 when Postgres or Redis is down, or when commands wait longer than
 * READY_MAX_QUEUE_LAG_MS (the workers are gone or swamped), so a load balancer stops sending.
 * Both are public: they say up/down and numbers per dependency, never the error text.
 */

/** The body of both health routes, for the API document. */
const HEALTH_REPORT = {
  status: 200,
  description: 'Terminus health report: status and each dependency (database, redis)',
  schema: {
    type: 'object' as const,
    properties: {
      status: { type: 'string' as const },
      info: { type: 'object' as const, additionalProperties: true },
      error: { type: 'object' as const, additionalProperties: true },
      details: { type: 'object' as const, additionalProperties: true },
    },
  },
};

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    @InjectQueue(QUEUES.commands) private readonly commands: Queue,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
  ) {}

  /** Command queue lag: the age of the oldest command no worker has picked up yet. */
  private async lag() {
    const i = this.indicator.check('commandQueue');
    try {
      const s = await queueStat(this.commands, Date.now(), 1000);
      const details = {
        lagMs: s.lagMs,
        maxLagMs: this.cfg.READY_MAX_QUEUE_LAG_MS,
        waiting: (s.counts.waiting ?? 0) + (s.counts.prioritized ?? 0),
        active: s.counts.active ?? 0,
      };
      return s.lagMs > this.cfg.READY_MAX_QUEUE_LAG_MS ? i.down({ ...details, message: 'commands are waiting longer than allowed' }) : i.up(details);
    } catch (e) {
      return i.down({ message: e instanceof Error ? e.message : String(e) });
    }
  }

  private async redis() {
    const i = this.indicator.check('redis');
    try {
      const client = await this.commands.client;
      const pong = await Promise.race([
        (client as unknown as { ping(): Promise<string> }).ping(),
        new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timeout')), 1000)),
      ]);
      const waiting = await this.commands.getWaitingCount();
      return pong === 'PONG' ? i.up({ commandsWaiting: waiting }) : i.down({ message: String(pong) });
    } catch (e) {
      return i.down({ message: e instanceof Error ? e.message : String(e) });
    }
  }

  private checks(withLag = false) {
    return [() => this.db.pingCheck('database', { timeout: 1500 }), () => this.redis(), ...(withLag ? [() => this.lag()] : [])];
  }

  @Get()
  @ApiOperation({ summary: 'Liveness: 200 while the process lives (status degraded when a dependency is down)' })
  @ApiResponse(HEALTH_REPORT)
  @ApiErrors(500)
  async live() {
    try {
      return publicHealth(await this.health.check(this.checks()));
    } catch (e) {
      const body = e instanceof ServiceUnavailableException ? publicHealth(e.getResponse()) : {};
      return { ...body, status: 'degraded' };
    }
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 503 while Postgres or Redis is down' })
  @ApiResponse(HEALTH_REPORT)
  @ApiResponse({ status: 503, description: 'A dependency is down (code NOT_READY, details per dependency)', type: ErrorBody })
  async ready() {
    try {
      return publicHealth(await this.health.check(this.checks(true)));
    } catch (e) {
      const details = e instanceof ServiceUnavailableException ? publicDetails((e.getResponse() as { details?: unknown }).details) : undefined;
      throw new ServiceUnavailableException({ code: 'NOT_READY', message: 'a dependency is down', details });
    }
  }
}
