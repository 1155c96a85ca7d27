import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { ENV_CONFIG, EnvConfig, sessionDatabaseUrl } from '@bedlink/config';

/**
 * The advisory lock key of the leader (one per database: two engines on one database share a
 * leader, as they share the deadlines it guards). Any fixed bigint works; this one spells "bedlink".
 */
export const LEADER_LOCK_KEY = '7094665862479228011';

/** A duty that must run on one worker at a time: the watchdog, Redis-loss recovery, the sweeper, retention. */
export interface LeaderDuty {
  name: string;
  everyMs: number;
  /** Run at once when this worker becomes leader (the default), or only after the first interval. */
  startNow?: boolean;
  run(): Promise<unknown>;
}

/**
 * Leader election through a session-level Postgres advisory lock held on a dedicated connection.
 * Postgres releases the lock when that session ends (the process died, the socket closed, TCP
 * keepalive gave up), so a follower that tries every LEADER_POLL_MS takes over within that
 * interval of the holder's death. The holder checks its connection on the same beat and steps
 * down the moment it cannot: a leader cut off from the database stops its duties before a
 * follower can have started them (keepalive on the server is at least as slow as our check).
 *
 * Duties are idempotent in effect (deterministic job ids, inbox rows, state-machine refusals): the
 * lock removes the N× load and the races, it is not what keeps them correct.
 *
 * The lock belongs to a session, so the connection is DATABASE_SESSION_URL's. Through a pooler in
 * transaction mode the lock would be taken by whichever server connection ran the statement, and
 * another worker handed that connection would hold it too. The leader checks on every beat that it is
 * still talking to the backend that took the lock, and steps down, naming the setting, when it is not.
 */
@Injectable()
export class LeaderElection implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Leader');
  private readonly duties: LeaderDuty[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly busy = new Set<string>();
  private client?: Client;
  /** The backend that took the lock: a leader's beat that meets another one is not on a session of its own. */
  private lockPid?: number;
  private beat?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;
  /** How many times this worker became leader (tests and metrics read it). */
  terms = 0;

  constructor(@Inject(ENV_CONFIG) private readonly cfg: EnvConfig) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Called by the duties' providers in onModuleInit (before the election starts). */
  register(duty: LeaderDuty): void {
    this.duties.push(duty);
    if (this.leading) this.schedule(duty);
  }

  onApplicationBootstrap(): void {
    const tick = () => void this.attempt();
    tick();
    this.beat = setInterval(tick, this.cfg.LEADER_POLL_MS);
    this.beat.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.beat) clearInterval(this.beat);
    this.stepDown('shutting down', false);
    // ending the session releases the lock at once: a follower takes over on its next try
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  /** One beat: a follower tries the lock; the leader checks that its session (and so its lock) lives. */
  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      const c = this.client ?? (await this.connect());
      if (this.leading) {
        const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
        if (pid !== this.lockPid) {
          this.log.error(
            `the leader's connection reached backend ${pid}, not ${this.lockPid} that took the lock: it is pooled per transaction, ` +
              `so the lock is not this worker's own. Set DATABASE_SESSION_URL to Postgres itself (or a session-mode pool).`,
          );
          this.lose('its connection is pooled per transaction');
        }
        return;
      }
      const r = await c.query<{ got: boolean; pid: number }>('SELECT pg_try_advisory_lock($1::bigint) AS got, pg_backend_pid() AS pid', [LEADER_LOCK_KEY]);
      if (r.rows[0]?.got && !this.stopped) {
        this.lockPid = r.rows[0].pid;
        this.becomeLeader();
      }
    } catch (e) {
      this.lose(`leader connection failed (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  private async connect(): Promise<Client> {
    const c = new Client({
      connectionString: sessionDatabaseUrl(this.cfg),
      application_name: `bedlink-leader-${process.pid}`,
      keepAlive: true,
      // the server notices a vanished holder by TCP keepalive: a few seconds, not the kernel's two hours
      options: '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3',
    });
    c.on('error', (e) => this.lose(`leader connection lost (${e.message})`));
    this.client = c;
    await c.connect();
    return c;
  }

  /** The session is gone or unusable: whatever lock it held is gone with it. */
  private lose(why: string): void {
    const c = this.client;
    this.client = undefined;
    c?.end().catch(() => undefined);
    if (this.leading) this.stepDown(why);
  }

  private becomeLeader(): void {
    this.leading = true;
    this.terms++;
    this.log.log(`this worker (pid ${process.pid}) is the leader: ${this.duties.map((d) => d.name).join(', ') || 'no duties'}`);
    for (const d of this.duties) this.schedule(d);
  }

  private stepDown(why: string, unexpected = true): void {
    if (!this.leading) return;
    this.leading = false;
    for (const t of this.timers.splice(0)) clearInterval(t);
    const msg = `this worker (pid ${process.pid}) is no longer the leader: ${why}`;
    if (unexpected) this.log.warn(msg);
    else this.log.log(msg);
  }

  private schedule(d: LeaderDuty): void {
    const tick = async () => {
      // one pass at a time per duty; a pass started before a step-down finishes (duties are idempotent)
      if (!this.leading || this.busy.has(d.name)) return;
      this.busy.add(d.name);
      try {
        await d.run();
      } catch (e) {
        this.log.warn(`${d.name} pass failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.busy.delete(d.name);
      }
    };
    const t = setInterval(() => void tick(), d.everyMs);
    t.unref();
    this.timers.push(t);
    // a new leader does its duties now, not an interval later (that is the hand-over)
    if (d.startNow !== false) void tick();
  }
}
