import { Client } from 'pg';
import { loadConfig } from '@bedlink/config';
import { LeaderElection } from '../apps/worker/src/leader';
import { OutboxRelay } from '../apps/worker/src/outbox.relay';
import { createWorker } from '../apps/worker/src/bootstrap';
import { createTestDatabase, dropTestDatabase, Engine, startEngine } from './support/engine';
import { ok, rehabReferral, smallDistrict } from './support/fixture';
import { ADMIN_URL, RUNTIME_USER } from './support/global-setup';
import { eventually } from './support/http';
import { PgBouncer, startPgBouncer } from './support/pgbouncer';
import { placePatient } from './support/stays';

jest.setTimeout(120_000);

/**
 * The engine behind PgBouncer in transaction mode, the pooler a district's IT team puts in front of
 * Postgres: DATABASE_URL through the pooler with DB_PREPARED_STATEMENTS=false (README), session-bound
 * work (the leader's advisory lock, the relay's LISTEN) on DATABASE_SESSION_URL. The unit of work
 * pipelines BEGIN with its first read and COMMIT behind its flush; here that goes through a real pooler.
 */
describe('behind PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  const opened: Client[] = [];
  const connect = async (url: string) => {
    const c = new Client({ connectionString: url });
    opened.push(c);
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    bouncer = await startPgBouncer(3, ADMIN_URL, [RUNTIME_USER]);
  });
  afterAll(async () => {
    for (const c of opened) await c.end().catch(() => undefined);
    await bouncer?.stop();
  });

  it('why session work needs its own URL: through the pooler two clients both "hold" one advisory lock', async () => {
    const key = Math.floor(Math.random() * 1e9);
    const a = await connect(bouncer.via(ADMIN_URL));
    const b = await connect(bouncer.via(ADMIN_URL));
    const take = async (c: Client) => (await c.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS got', [key])).rows[0].got;
    // a takes it on the server connection it was lent, then gives that connection back; b is lent the same one
    expect(await take(a)).toBe(true);
    expect(await take(b)).toBe(true);
    // on Postgres itself the second session is refused
    const direct = await connect(ADMIN_URL);
    expect((await direct.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS got', [key])).rows[0].got).toBe(false);
  });

  it('a leader whose session URL is pooled steps down on its next beat, naming DATABASE_SESSION_URL, and cannot take the lock back', async () => {
    // a database of its own: the leader's lock is per database
    const db = await createTestDatabase();
    const cfg = loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_SESSION_URL: bouncer.via(db), LEADER_POLL_MS: '100' });
    const leader = new LeaderElection(cfg);
    const logged: string[] = [];
    (leader as unknown as { log: { error(m: string): void; warn(m: string): void; log(m: string): void } }).log = {
      error: (m) => logged.push(m),
      warn: () => undefined,
      log: () => undefined,
    };
    leader.onApplicationBootstrap();
    try {
      await eventually(
        async () => leader.isLeader,
        (x) => x,
      );
      // Another client is lent the server connection that took the lock, and keeps it in a transaction. Which one a
      // client is lent is pgbouncer's choice (under CI's load it was not always the one the leader had just used, and
      // the leader took the lock back through it): three clients in transactions hold the pool's three connections,
      // and the one on the lock's backend stays.
      const lockPid = (leader as unknown as { lockPid: number }).lockPid;
      const lent = await Promise.all(
        [0, 1, 2].map(async () => {
          const c = await connect(bouncer.via(db));
          await c.query('BEGIN');
          return { c, pid: (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid };
        }),
      );
      const holder = lent.find((x) => x.pid === lockPid)?.c;
      expect(holder).toBeDefined();
      for (const x of lent) if (x.c !== holder) await x.c.query('ROLLBACK');
      await eventually(
        async () => leader.isLeader,
        (x) => !x,
      );
      expect(logged.join('\n')).toMatch(/pooled per transaction.*DATABASE_SESSION_URL/s);
      // the lock stays with that server connection: beats through other ones are refused. (Before the holder
      // pinned it, the leader could flap on its own, its beats lent other connections and its lock taken back
      // through the free one: CI saw two terms. Counted from here.)
      const terms = leader.terms;
      await new Promise((r) => setTimeout(r, 500));
      expect(leader.isLeader).toBe(false);
      expect(leader.terms).toBe(terms);
      await holder!.query('ROLLBACK');
    } finally {
      await leader.onApplicationShutdown();
      for (const c of opened.splice(0)) await c.end().catch(() => undefined);
      await dropTestDatabase(db);
    }
  });

  it("a session URL that reaches another database is refused at the worker's start", async () => {
    const db = await createTestDatabase();
    try {
      const cfg = loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: bouncer.via(db), DATABASE_SESSION_URL: ADMIN_URL });
      await expect(createWorker(cfg)).rejects.toThrow(/DATABASE_SESSION_URL: reaches database "postgres" while DATABASE_URL reaches "bedlink_test/);
    } finally {
      await dropTestDatabase(db);
    }
  });

  describe('the engine with DATABASE_URL through the pooler', () => {
    let e: Engine;
    let d: Awaited<ReturnType<typeof smallDistrict>>;
    beforeAll(async () => {
      e = await startEngine({
        env: { DB_PREPARED_STATEMENTS: 'false' },
        dbEnv: (runtimeUrl) => ({ DATABASE_URL: bouncer.via(runtimeUrl), DATABASE_SESSION_URL: runtimeUrl }),
      });
      d = await smallDistrict(e);
    });
    afterAll(async () => {
      await e?.close();
    });

    it("keeps the engine's statement timeout, which the pooler does not pass on: the runtime role carries it", async () => {
      const pooled = await connect(e.cfg.DATABASE_URL);
      expect((await pooled.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('15s');
      expect((await pooled.query('SELECT current_user AS u')).rows[0].u).toBe(RUNTIME_USER);
    });

    it('runs a referral to admission, audit chain and bed board included', async () => {
      const patientId = await d.patient();
      const referralId = await placePatient(
        d,
        patientId,
        { kind: 'COMMUNITY', services: ['REHAB'] },
        { client: d.cc1c, institutionId: d.cc1, bedId: d.cc1Beds[0] },
      );
      const r = await ok(d.planner.get(`/referrals/${referralId}`), 'read');
      expect(r.state).toBe('COMPLETED');
      // the relay was woken by Postgres' notifications, which reach only a session of its own (DATABASE_SESSION_URL)
      expect((e.worker!.get(OutboxRelay) as unknown as { notifications: number }).notifications).toBeGreaterThan(0);
      // the relay and the projection went through the pooler as well
      await eventually(
        async () => (await e.ds.query(`SELECT free::int FROM bed_board WHERE institution_id = $1 AND kind = 'COMMUNITY'`, [d.cc1]))[0]?.free,
        (free) => free === d.cc1Beds.length - 1,
      );
    });

    it('parallel accepts of one bed: one wins, the others are refused; no transaction is left open on a server connection', async () => {
      const bedId = d.cc2Beds[0];
      const offers: { referralId: string; offerId: string }[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await ok(d.planner.post('/referrals', rehabReferral(await d.patient())), 'draft');
        const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc2, bedId }] }), 'submit');
        offers.push({ referralId: r.referralId, offerId: sub.offers[0].offerId });
      }
      const replies = await Promise.all(offers.map((o) => d.cc2c.post(`/referrals/${o.referralId}/offers/${o.offerId}/accept`, { bedId })));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
      for (const l of replies.filter((r) => r.status !== 200)) expect(l.body).toMatchObject({ code: 'BED_ALREADY_RESERVED' });
      const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM reservations WHERE bed_id = $1 AND state = 'HELD'`, [bedId]);
      expect(n).toBe(1);
      // the refused flushes were answered ROLLBACK behind them: every server connection of the pooler is back idle
      const stuck = await eventually(
        () =>
          e.ds.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND usename = $1 AND state LIKE 'idle in transaction%'`,
            [RUNTIME_USER],
          ),
        (rows) => rows[0].n === 0,
      );
      expect(stuck[0].n).toBe(0);
    });
  });
});
