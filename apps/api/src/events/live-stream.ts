import { BeforeApplicationShutdown, Controller, Get, Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags, ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors, AUTHED } from '../http/api-docs';
import { Request, Response } from 'express';
import IORedis from 'ioredis';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor } from '@bedlink/domain';
import type { LiveEvent } from '@bedlink/contracts';
import { liveChannel, liveEventFor, liveEventVisibleTo, redisOptionsFromUrl } from '@bedlink/messaging';
import { CurrentActor, QueryToken } from '../http/auth';

interface Subscriber {
  actor: Actor;
  res: Response;
}

/**
 * One Redis subscriber per API process fans the worker's live channel out to every connected
 * browser, filtered by involvement. Ephemeral: a browser that reconnects re-reads its views.
 */
@Injectable()
export class LiveHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log = new Logger('LiveHub');
  private readonly clients = new Set<Subscriber>();
  private sub?: IORedis;
  private heartbeat?: NodeJS.Timeout;

  constructor(@Inject(ENV_CONFIG) private readonly cfg: EnvConfig) {}

  async onModuleInit(): Promise<void> {
    const channel = liveChannel(this.cfg.QUEUE_PREFIX);
    // Retries forever in the background: the API must boot and serve without the live feed.
    this.sub = new IORedis({ ...redisOptionsFromUrl(this.cfg.REDIS_URL), lazyConnect: true, maxRetriesPerRequest: null });
    this.sub.on('error', (e) => this.log.debug?.(`live subscriber: ${e.message}`));
    this.sub.on('message', (_c, msg) => this.dispatch(msg));
    this.sub.connect().then(
      () => this.sub?.subscribe(channel),
      (e: Error) => this.log.warn(`live feed unavailable for now (${e.message})`),
    );
    this.heartbeat = setInterval(() => this.beat(), this.cfg.LIVE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Before the HTTP server closes: it would wait forever for open streams. Browsers reconnect. */
  beforeApplicationShutdown(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sub?.quit().catch(() => this.sub?.disconnect());
  }

  get size(): number {
    return this.clients.size;
  }

  add(actor: Actor, res: Response): () => void {
    const s = { actor, res };
    this.clients.add(s);
    return () => this.clients.delete(s);
  }

  private beat(): void {
    for (const c of this.clients) c.res.write(`: heartbeat\n\n`);
  }

  private dispatch(msg: string): void {
    let e: LiveEvent;
    try {
      e = JSON.parse(msg) as LiveEvent;
    } catch {
      return;
    }
    for (const c of this.clients) {
      if (!liveEventVisibleTo(c.actor, e)) continue;
      c.res.write(`id: ${e.id}\ndata: ${JSON.stringify(liveEventFor(c.actor, e))}\n\n`);
    }
  }
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(private readonly hub: LiveHub) {}

  @Get('stream')
  @QueryToken()
  @ApiOperation({ summary: 'Server-Sent Events: the caller’s institution’s (district roles: district’s) events, live. EventSource may pass ?access_token=' })
  @ApiQuery({ name: 'access_token', required: false, description: 'The bearer token, for clients that cannot send headers (EventSource)' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an event stream (text/event-stream), one `data:` line per event' })
  @ApiErrors(...AUTHED)
  stream(@CurrentActor() actor: Actor, @Req() req: Request, @Res() res: Response): void {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setKeepAlive(true);
    req.socket.setTimeout(0);
    res.write(`retry: 3000\n: connected as ${actor.role}\n\n`);
    const remove = this.hub.add(actor, res);
    // The response's close (not the request's: that fires once a GET has no more body to read).
    res.on('close', remove);
  }
}
