import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor, DomainError } from '@bedlink/domain';
import { ApiKeyStore } from '@bedlink/persistence';
import { TokenVerifier } from '@bedlink/auth';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-docs';
import { Request, Response } from 'express';
import { API_KEYS, Public, TOKEN_VERIFIER } from '../http/auth';
import { MetricsService } from './metrics.service';

const digest = (s: string) => createHash('sha256').update(s).digest();
/** People who may read engine-wide figures (queue depths, KPIs of every district). */
const METRICS_ROLES: readonly string[] = ['AUDITOR', 'DISTRICT_COORDINATOR'];

/**
 * The series a district's auditor or coordinator may read: every sample labelled with another
 * district is dropped (per-institution KPIs name the institution and its district), engine-wide
 * figures without a district stay. Only the scrape token reads every district.
 */
export function ownDistrictOnly(text: string, districtId: string): string {
  return text
    .split('\n')
    .filter((line) => {
      if (line.startsWith('#')) return true;
      const m = /[{,]district="([^"]*)"/.exec(line);
      return !m || m[1] === districtId;
    })
    .join('\n');
}

/**
 * Prometheus scrape target. No patient data, but queue depths, KPIs and error rates of the whole
 * engine are nobody's business outside operations: it answers to the METRICS_TOKEN bearer
 * (Prometheus' `authorization` credentials) or to an AUDITOR / DISTRICT_COORDINATOR token or key.
 * (@Public only skips the global guard: the check is here, because the scrape token is no JWT.)
 */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly want?: Buffer;
  constructor(
    private readonly metrics: MetricsService,
    @Inject(ENV_CONFIG) cfg: EnvConfig,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
  ) {
    this.want = cfg.METRICS_TOKEN ? digest(cfg.METRICS_TOKEN) : undefined;
  }

  /** The person reading (undefined: the scrape token, which reads the whole engine). */
  private async allowed(req: Request): Promise<Actor | undefined> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const apiKey = req.headers['x-api-key'];
    if (bearer && this.want && timingSafeEqual(digest(bearer), this.want)) return undefined;
    let actor: Actor;
    if (typeof apiKey === 'string') actor = await this.keys.authenticate(apiKey);
    else if (bearer) actor = await this.verifier.verify(bearer);
    else throw new DomainError('UNAUTHENTICATED', 'send the metrics token or an auditor / district coordinator token');
    if (!METRICS_ROLES.includes(actor.role))
      throw new DomainError('FORBIDDEN', 'metrics are for operations: the metrics token, an auditor or a district coordinator');
    // a district role without its district is refused by the guard already; never read that as "all"
    if (!actor.districtId) throw new DomainError('FORBIDDEN', 'a district role needs its district');
    return actor;
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics: command latency, HTTP, queues, outbox backlog, referral KPIs, webhooks' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  @ApiErrors(401, 403, 500)
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const actor = await this.allowed(req);
    const all = await this.metrics.render();
    const text = actor ? ownDistrictOnly(all, actor.districtId!) : all;
    res.status(200).setHeader('content-type', this.metrics.contentType);
    res.end(text); // send() would add its own charset to Prometheus' content type
  }
}
