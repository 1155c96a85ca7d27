import { BeforeApplicationShutdown, Controller, Get, Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags, ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors, AUTHED } from '../http/api-docs';
import { Request, Response } from 'express';
import IORedis, { Cluster } from 'ioredis';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor, DomainError } from '@bedlink/domain';
import type { LiveEvent } from '@bedlink/contracts';
import { ApiKeyStore, LiveReplayReads } from '@bedlink/persistence';
import { CookieAuth } from '../auth/cookie-auth';
import { decode as decodeJwt } from 'jsonwebtoken';
import { liveChannel, liveEventFor, liveEventVisibleTo, createRedis } from '@bedlink/messaging';
import { API_KEYS, CurrentActor, QueryToken } from '../http/auth';

interface Subscriber {
  actor: Actor;
  res: Response;
  principal: string;
  /** While its missed events are replayed, live ones wait here (then those already replayed are skipped). */
  held?: { id: string; chunk: string }[];
}

/** How a stream learns its principal is no longer valid: resolves false (or throws) → the stream ends. */
export type StillValid = () => Promise<boolean>;

/**
 * One Redis subscriber per API process fans the worker's live channel out to every connected
 * browser, filtered by involvement. Ephemeral: a browser that reconnects re-reads its views.
 */
@Injectable()
export class LiveHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log = new Logger('LiveHub');
  private readonly clients = new Set<Subscriber>();
  private sub?: IORedis | Cluster;
  private heartbeat?: NodeJS.Timeout;

  constructor(@Inject(ENV_CONFIG) private readonly cfg: EnvConfig) {}

  async onModuleInit(): Promise<void> {
    const channel = liveChannel(this.cfg.QUEUE_PREFIX);
    // Retries forever in the background: the API must boot and serve without the live feed.
    this.sub = createRedis(this.cfg, { lazyConnect: true, maxRetriesPerRequest: null });
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

  open(principal: string): number {
    let n = 0;
    for (const c of this.clients) if (c.principal === principal) n++;
    return n;
  }

  /**
   * A stream lives while its credential does: it ends at the token's `exp`, and when the periodic
   * `stillValid` check says the principal is gone (API key revoked) or cannot be checked.
   */
  add(actor: Actor, res: Response, opts: { principal: string; expiresAt?: number; stillValid?: StillValid; replaying?: boolean }): () => void {
    const s: Subscriber = { actor, res, principal: opts.principal, ...(opts.replaying ? { held: [] } : {}) };
    this.clients.add(s);
    const timers: NodeJS.Timeout[] = [];
    const end = (why: string) => {
      if (!this.clients.has(s)) return;
      this.clients.delete(s);
      if (!res.writableEnded) res.end(`event: end\ndata: ${JSON.stringify({ reason: why })}\n\n`);
    };
    if (opts.expiresAt !== undefined) timers.push(setTimeout(() => end('token expired'), Math.max(0, opts.expiresAt - Date.now())));
    if (opts.stillValid) {
      const check = opts.stillValid;
      timers.push(
        setInterval(() => {
          check().then(
            (ok) => ok || end('credential revoked'),
            () => end('credential could not be re-checked'),
          );
        }, this.cfg.SSE_RECHECK_MS),
      );
    }
    for (const t of timers) t.unref();
    return () => {
      for (const t of timers) clearTimeout(t);
      this.clients.delete(s);
    };
  }

  /**
   * Replays what a reconnecting stream missed (Last-Event-ID), then lets the live events that
   * arrived meanwhile through, minus those the replay already sent. `events` null: the id is
   * unknown (pruned or foreign), `more`: the replay was cut at SSE_REPLAY_MAX; either way the
   * client is told to reload its views (`event: reset`).
   */
  replay(res: Response, events: LiveEvent[] | null, more: boolean): void {
    const c = [...this.clients].find((x) => x.res === res);
    if (!c) return;
    const sent = new Set<string>();
    if (events === null || more)
      this.send(c, `event: reset\ndata: ${JSON.stringify({ reason: events === null ? 'unknown Last-Event-ID' : 'too many missed events' })}\n\n`);
    for (const e of events ?? []) {
      sent.add(e.id);
      if (liveEventVisibleTo(c.actor, e)) this.send(c, `id: ${e.id}\ndata: ${JSON.stringify(liveEventFor(c.actor, e))}\n\n`);
    }
    const held = c.held ?? [];
    c.held = undefined;
    for (const h of held) if (!sent.has(h.id)) this.send(c, h.chunk);
  }

  /** Writes, or drops a reader that does not keep up: its backlog never grows past the cap. */
  private send(c: Subscriber, chunk: string): void {
    if (c.res.writableLength + chunk.length > this.cfg.SSE_MAX_BUFFER_BYTES) {
      this.clients.delete(c);
      this.log.warn({ msg: 'slow SSE reader dropped', principal: c.principal, buffered: c.res.writableLength });
      c.res.destroy();
      return;
    }
    c.res.write(chunk);
  }

  private beat(): void {
    for (const c of this.clients) this.send(c, `: heartbeat\n\n`);
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
      const chunk = `id: ${e.id}\ndata: ${JSON.stringify(liveEventFor(c.actor, e))}\n\n`;
      if (c.held) c.held.push({ id: e.id, chunk });
      else this.send(c, chunk);
    }
  }
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(
    private readonly hub: LiveHub,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
    private readonly replays: LiveReplayReads,
    private readonly cookies: CookieAuth,
  ) {}

  /**
   * The one place a stream asks "is this principal still valid": an API key is authenticated
   * again (a revoked key fails); a token's end is its `exp`, scheduled when the stream opens.
   */
  private stillValid(req: Request): StillValid | undefined {
    const key = req.headers['x-api-key'];
    // a console session is checked again like a key: disabling the account ends its live stream too
    const sid = req.headers.authorization === undefined && typeof key !== 'string' ? this.cookies.sessionId(req) : undefined;
    if (sid && !req.query?.access_token)
      return async () => {
        try {
          return !!(await this.cookies.sessions.authenticate(sid));
        } catch (e) {
          if (e instanceof DomainError && e.code === 'UNAUTHENTICATED') return false;
          throw e;
        }
      };
    if (typeof key !== 'string') return undefined;
    return async () => {
      try {
        return !!(await this.keys.authenticate(key));
      } catch (e) {
        if (e instanceof DomainError && e.code === 'UNAUTHENTICATED') return false; // revoked or gone
        throw e;
      }
    };
  }

  /** `exp` of the (already verified) bearer or query token, in ms. */
  private tokenExpiry(req: Request): number | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const token = m?.[1] ?? (typeof req.query?.access_token === 'string' ? req.query.access_token : undefined);
    if (!token) return undefined;
    const claims = decodeJwt(token);
    return claims && typeof claims === 'object' && typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  }

  @Get('stream')
  @QueryToken()
  @ApiOperation({ summary: 'Server-Sent Events: the caller’s institution’s (district roles: district’s) events, live. EventSource may pass ?access_token=' })
  @ApiQuery({ name: 'access_token', required: false, description: 'The bearer token, for clients that cannot send headers (EventSource)' })
  @ApiQuery({
    name: 'lastEventId',
    required: false,
    description: 'Replay the events after this one (as the Last-Event-ID header EventSource sends on reconnect); unknown: `event: reset`',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an event stream (text/event-stream), one `data:` line per event' })
  @ApiErrors(...AUTHED)
  async stream(@CurrentActor() actor: Actor, @Req() req: Request, @Res() res: Response): Promise<void> {
    const principal = `${actor.userId}\n${actor.institutionId ?? ''}`;
    if (this.hub.open(principal) >= this.cfg.SSE_MAX_STREAMS_PER_PRINCIPAL) {
      res.setHeader('Retry-After', '30');
      throw new DomainError('RATE_LIMITED', `too many open event streams for this user (at most ${this.cfg.SSE_MAX_STREAMS_PER_PRINCIPAL}); close one first`, {
        maxStreams: this.cfg.SSE_MAX_STREAMS_PER_PRINCIPAL,
      });
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setKeepAlive(true);
    req.socket.setTimeout(0);
    res.write(`retry: 3000\n: connected as ${actor.role}\n\n`);
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && header ? header : typeof req.query?.lastEventId === 'string' ? req.query.lastEventId : undefined;
    const remove = this.hub.add(actor, res, {
      principal,
      expiresAt: this.tokenExpiry(req),
      stillValid: this.stillValid(req),
      replaying: lastEventId !== undefined,
    });
    // The response's close (not the request's: that fires once a GET has no more body to read).
    res.on('close', remove);
    if (lastEventId === undefined) return;
    // subscribed first, then read: an event published meanwhile is held, not lost
    const max = this.cfg.SSE_REPLAY_MAX;
    const missed = await this.replays.after(lastEventId.slice(0, 64), max).catch(() => null);
    this.hub.replay(res, missed?.slice(0, max) ?? null, (missed?.length ?? 0) > max);
  }
}
