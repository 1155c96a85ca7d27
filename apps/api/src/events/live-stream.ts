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
import { liveEventFor, liveEventVisibleTo, liveSubscriptionOf, createRedis } from '@bedlink/messaging';
import { API_KEYS, CurrentActor, QueryToken } from '../http/auth';

interface Subscriber {
  actor: Actor;
  res: Response;
  principal: string;
  /** Its one Redis subscription (`channel\n…` or `pattern\n…`); null: it sees nothing live. */
  key: string | null;
  /** While its missed events are replayed, live ones wait here (then those already replayed are skipped). */
  held?: { id: string; chunk: string }[];
  /**
   * The ids the replay sent, skipped when they come live afterwards: an event committed before the replay
   * read the outbox but published by the relay only after the replay ended would otherwise reach the
   * stream twice. Kept REPLAYED_MEMORY_MS, long past a relay pass.
   */
  replayed?: Set<string>;
}

/** How long a reconnected stream remembers what its replay sent (the relay publishes within a poll, 200 ms). */
export const REPLAYED_MEMORY_MS = 60_000;

/** How a stream learns its principal is no longer valid: resolves false (or throws) → the stream ends. */
export type StillValid = () => Promise<boolean>;

/**
 * One Redis subscriber per API process fans the live feed out to the browsers connected here,
 * filtered by involvement. It subscribes only the channels of the streams it holds (a district's,
 * an institution's, the city-wide pattern: `liveSubscriptionOf`), from the first such stream to the
 * last, so a replica receives none of the traffic of districts and institutions nobody here
 * watches. Ephemeral: a browser that reconnects replays from the outbox (`Last-Event-ID`).
 */
@Injectable()
export class LiveHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log = new Logger('LiveHub');
  private readonly clients = new Set<Subscriber>();
  /** Streams by subscription key, and each key's SUBSCRIBE (resolved once Redis confirmed it). */
  private readonly byKey = new Map<string, { streams: Set<Subscriber>; subscribed: Promise<void> }>();
  private sub?: IORedis | Cluster;
  private heartbeat?: NodeJS.Timeout;
  /** Live messages this process took from Redis (what per-channel subscriptions save is measured by it). */
  received = 0;

  constructor(@Inject(ENV_CONFIG) private readonly cfg: EnvConfig) {}

  async onModuleInit(): Promise<void> {
    // Retries forever in the background: the API must boot and serve without the live feed.
    // Subscriptions made meanwhile wait in the offline queue; ioredis re-subscribes after a reconnect.
    // No ready check and no CLIENT SETINFO on this connection. ioredis writes SUBSCRIBE at once while
    // the socket is up but not yet ready (the command is allowed while Redis loads): a stream opened
    // in that window put the connection in subscriber mode before the ready check's INFO, the check
    // failed, ioredis reconnected, and that stream's channel was silently never subscribed (measured:
    // NUMSUB 0, its promise resolved). A subscriber needs neither: SUBSCRIBE is served while loading.
    this.sub = createRedis(this.cfg, { lazyConnect: true, maxRetriesPerRequest: null, enableReadyCheck: false, disableClientInfo: true });
    this.sub.on('error', (e) => this.log.debug?.(`live subscriber: ${e.message}`));
    this.sub.on('message', (channel: string, msg: string) => this.dispatch(`channel\n${channel}`, msg));
    this.sub.on('pmessage', (pattern: string, _channel: string, msg: string) => this.dispatch(`pattern\n${pattern}`, msg));
    this.sub.connect().catch((e: Error) => this.log.warn(`live feed unavailable for now (${e.message})`));
    this.heartbeat = setInterval(() => this.beat(), this.cfg.LIVE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Before the HTTP server closes: it would wait forever for open streams. Browsers reconnect. */
  beforeApplicationShutdown(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.byKey.clear();
  }

  /** The live subscriptions this process holds now (channels and patterns), for tests and ops. */
  get subscriptions(): string[] {
    return [...this.byKey.keys()];
  }

  /** Joins the stream to its key's subscription, subscribing at the first stream; resolves once Redis confirmed it. */
  private join(s: Subscriber): Promise<void> {
    if (s.key === null) return Promise.resolve();
    const have = this.byKey.get(s.key);
    if (have) {
      have.streams.add(s);
      return have.subscribed;
    }
    const [kind, name] = s.key.split('\n') as ['channel' | 'pattern', string];
    const sub = this.sub!;
    const subscribed = (kind === 'pattern' ? sub.psubscribe(name) : sub.subscribe(name)).then(
      () => undefined,
      (e: Error) => this.log.warn(`live subscription ${name} failed (${e.message})`),
    );
    this.byKey.set(s.key, { streams: new Set([s]), subscribed });
    return subscribed;
  }

  /** Leaves the key's subscription, unsubscribing after the last stream (commands stay in order, so a re-join wins). */
  private leave(s: Subscriber): void {
    if (s.key === null) return;
    const have = this.byKey.get(s.key);
    if (!have?.streams.delete(s) || have.streams.size) return;
    this.byKey.delete(s.key);
    const [kind, name] = s.key.split('\n');
    (kind === 'pattern' ? this.sub?.punsubscribe(name) : this.sub?.unsubscribe(name))?.catch(() => undefined);
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
  add(
    actor: Actor,
    res: Response,
    opts: { principal: string; expiresAt?: number; stillValid?: StillValid; replaying?: boolean },
  ): { remove: () => void; subscribed: Promise<void> } {
    const live = liveSubscriptionOf(this.cfg.QUEUE_PREFIX, actor);
    const s: Subscriber = { actor, res, principal: opts.principal, key: live && `${live.kind}\n${live.name}`, ...(opts.replaying ? { held: [] } : {}) };
    this.clients.add(s);
    const subscribed = this.join(s);
    const timers: NodeJS.Timeout[] = [];
    const end = (why: string) => {
      if (!this.clients.has(s)) return;
      this.drop(s);
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
    const remove = () => {
      for (const t of timers) clearTimeout(t);
      this.drop(s);
    };
    return { remove, subscribed };
  }

  private drop(s: Subscriber): void {
    this.clients.delete(s);
    this.leave(s);
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
    if (sent.size) {
      c.replayed = sent;
      setTimeout(() => {
        if (c.replayed === sent) c.replayed = undefined;
      }, REPLAYED_MEMORY_MS).unref();
    }
  }

  /** Writes, or drops a reader that does not keep up: its backlog never grows past the cap. */
  private send(c: Subscriber, chunk: string): void {
    if (c.res.writableLength + chunk.length > this.cfg.SSE_MAX_BUFFER_BYTES) {
      this.drop(c);
      this.log.warn({ msg: 'slow SSE reader dropped', principal: c.principal, buffered: c.res.writableLength });
      c.res.destroy();
      return;
    }
    c.res.write(chunk);
  }

  private beat(): void {
    for (const c of this.clients) this.send(c, `: heartbeat\n\n`);
  }

  private dispatch(key: string, msg: string): void {
    this.received++;
    const streams = this.byKey.get(key)?.streams;
    if (!streams) return; // unsubscribed meanwhile
    let events: LiveEvent[];
    try {
      // one event, or a relay pass's events for this channel in outbox order
      const parsed = JSON.parse(msg) as LiveEvent | LiveEvent[];
      events = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      return;
    }
    // only the streams of the channel it came on: an event published on two channels both held
    // here (two institutions it names) reaches each stream once; the visibility check stays
    for (const c of [...streams])
      for (const e of events) {
        if (!liveEventVisibleTo(c.actor, e) || c.replayed?.has(e.id)) continue;
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
    const { remove, subscribed } = this.hub.add(actor, res, {
      principal,
      expiresAt: this.tokenExpiry(req),
      stillValid: this.stillValid(req),
      replaying: lastEventId !== undefined,
    });
    // The response's close (not the request's: that fires once a GET has no more body to read).
    res.on('close', remove);
    if (lastEventId === undefined) return;
    // subscribed first (confirmed by Redis), then read: an event published meanwhile is held, not
    // lost. Redis down: the replay does not wait for it longer than a moment.
    await Promise.race([subscribed, new Promise((r) => setTimeout(r, 2000).unref())]);
    const max = this.cfg.SSE_REPLAY_MAX;
    const missed = await this.replays.after(lastEventId.slice(0, 64), max, actor).catch(() => null);
    this.hub.replay(res, missed?.slice(0, max) ?? null, (missed?.length ?? 0) > max);
  }
}
