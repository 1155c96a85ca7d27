import { Queue } from 'bullmq';
import { QUEUES } from '@bedlink/messaging';
import { OutboxStore } from '@bedlink/persistence';
import { RedisRecovery } from '../apps/worker/src/redis-recovery';
import { Engine, startEngine } from './support/engine';
import { bedEventsBacklog, eventsOf } from './support/outbox';
import { eventually } from './support/http';

jest.setTimeout(120_000);

const backlog = (n: number) => bedEventsBacklog(1, n);

/**
 * A worker's first start on a Redis with no epoch key (a new district, or Redis lost its data while no
 * worker ran). The check marks sent-but-unhandled rows unsent; it is a leader duty, and the election
 * takes its time. The relay used to start at once: what it published before the check was marked
 * unsent by the check and published again (CI saw 5,499 events for a 4,500-row backlog).
 */
describe('Outbox relay: Redis epoch checked before the first pass', () => {
  let e: Engine;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const checkEpoch = RedisRecovery.prototype.checkEpoch;
  let checked = 0;

  beforeAll(async () => {
    // a slow check (an election that takes a beat, a slow Redis): the relay must not get ahead of it
    RedisRecovery.prototype.checkEpoch = async function (this: RedisRecovery) {
      await new Promise((r) => setTimeout(r, 1500));
      await checkEpoch.call(this);
      checked++;
    };
    e = await startEngine({ worker: false });
  });
  afterAll(async () => {
    RedisRecovery.prototype.checkEpoch = checkEpoch;
    await e?.close();
  });

  it('a backlog at a first start: every row published once', async () => {
    const n = 1500;
    await e.ds.query(backlog(n));
    const q = new Queue(QUEUES.projections, { prefix: e.cfg.QUEUE_PREFIX, connection: { url: e.cfg.REDIS_URL } as any });
    try {
      // nothing handled (no inbox rows): every row the relay has sent counts as unhandled for the check
      await q.pause();
      await e.startWorker();
      const end = Date.now() + 60_000;
      const unsent = async () => (await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n as number;
      while (!checked || (await unsent()) > 0) {
        if (Date.now() > end) throw new Error('backlog not relayed');
        await new Promise((r) => setTimeout(r, 100));
      }
      await e.stopWorker();
      const jobs = await q.getJobs(['wait', 'paused', 'prioritized', 'delayed', 'active', 'completed'], 0, -1, true);
      const events = eventsOf(jobs);
      expect(new Set(events.map(({ ev }) => ev.eventId)).size).toBe(n);
      expect(events).toHaveLength(n);
    } finally {
      await q.close();
    }
  });
});

/**
 * The check marks unsent only rows sent before it found the epoch gone: a row claimed since went to the
 * Redis that holds the new epoch. Another worker's relay publishing while the check ran had its rows
 * marked unsent and sent again.
 */
describe('Outbox store: requeue after a Redis loss', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ worker: false });
  });
  afterAll(async () => e?.close());

  it('takes the unhandled rows sent before the loss was found, not those sent since', async () => {
    await e.ds.query(backlog(4));
    // the moment the loss was found, with microseconds below the millisecond (a Date would drop them)
    const [{ at }] = await e.ds.query(`SELECT (date_trunc('milliseconds', now()) - interval '1 minute' + interval '500 microseconds')::text AS at`);
    // rows 1 and 2 sent a second before that moment, row 3 a second after it, row 4 a microsecond before it; row 2 handled
    await e.ds.query(
      `UPDATE outbox SET sent_at = $1::timestamptz + CASE (payload->>'n')::int WHEN 3 THEN interval '1 second' WHEN 4 THEN interval '-1 microsecond' ELSE interval '-1 second' END`,
      [at],
    );
    const [handled] = await e.ds.query(`SELECT event_id FROM outbox WHERE payload->>'n' = '2'`);
    await e.ds.query(`INSERT INTO inbox (consumer, event_id) VALUES ('bed-board', $1)`, [handled.event_id]);
    const store = new OutboxStore(e.ds);
    const requeued = await store.requeueUnhandled(['bed-board'], new Date(Date.now() - 3600_000), null, at);
    expect(requeued).toBe(2);
    const rows = await e.ds.query(`SELECT (payload->>'n')::int AS n FROM outbox WHERE sent_at IS NULL ORDER BY 1`);
    expect(rows.map((r: { n: number }) => r.n)).toEqual([1, 4]);
  });
});

/**
 * A check that found the key gone and failed before its repair ended (Postgres cut, a statement timeout)
 * used to leave the key set: no later check saw the loss, and the rows it had not marked stayed sent.
 */
describe('Redis-loss check: a repair that fails leaves the loss to be found again', () => {
  let e: Engine;
  beforeAll(async () => {
    // the leader's check runs at start and then not again during the case: the case makes each check itself
    e = await startEngine({ env: { REDIS_LOSS_CHECK_MS: '600000' } });
  });
  afterAll(async () => e?.close());

  it('takes the epoch key away, and the next check repairs', async () => {
    const recovery = e.worker!.get(RedisRecovery);
    const key = `${e.cfg.QUEUE_PREFIX}:bedlink-epoch`;
    const redis = e.redis();
    // the worker's own check at start has set the key; sent rows nobody handled, then Redis loses its data
    await eventually(
      () => redis.exists(key),
      (n) => n === 1,
    );
    await e.ds.query(backlog(3));
    // sent and handled by the bed board; then its inbox rows go, as if Redis lost the jobs before they ran
    await eventually(
      async () =>
        (await e.ds.query(`SELECT count(*)::int AS n FROM inbox i JOIN outbox o USING (event_id) WHERE i.consumer = 'bed-board' AND o.payload ? 'n'`))[0].n,
      (n) => n === 3,
    );
    await e.ds.query(`DELETE FROM inbox`);
    await redis.del(key);

    // eslint-disable-next-line @typescript-eslint/unbound-method
    const requeue = OutboxStore.prototype.requeueUnhandled;
    const requeued: number[] = [];
    let fail = true;
    OutboxStore.prototype.requeueUnhandled = async function (this: OutboxStore, ...a: Parameters<typeof requeue>) {
      if (fail) throw new Error('Connection terminated unexpectedly');
      const n = await requeue.apply(this, a);
      requeued.push(n);
      return n;
    };
    try {
      await expect(recovery.checkEpoch()).rejects.toThrow(/Connection terminated/);
      expect(await redis.exists(key)).toBe(0);
      fail = false;
      await recovery.checkEpoch();
      expect(await redis.exists(key)).toBe(1);
      expect(requeued.reduce((a, b) => a + b, 0)).toBe(3);
    } finally {
      OutboxStore.prototype.requeueUnhandled = requeue;
    }
  });
});

/**
 * A relay's claim still open when the check finds the epoch gone: its batch went to the Redis that was lost,
 * and its COMMIT waited (a broadcast held up until Redis came back). Its rows are unsent in every snapshot
 * until then, so the requeue passed over them, and once committed they stayed sent with their jobs gone (a
 * fault run saw bed-board events unhandled for over a minute). The check now waits for it.
 */
describe('Redis-loss check: a claim still open when the epoch is found gone', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ worker: false, env: { REDIS_LOSS_CHECK_MS: '600000' } });
  });
  afterAll(async () => e?.close());

  it('is waited for, and its rows are sent again once it commits', async () => {
    await e.ds.query(backlog(2));
    const events: string[] = (await e.ds.query(`SELECT event_id FROM outbox WHERE payload ? 'n'`)).map((r: { event_id: string }) => r.event_id);
    // the claim: rows marked sent in a transaction that has not committed
    const claim = e.ds.createQueryRunner();
    await claim.connect();
    await claim.startTransaction();
    await claim.query(`UPDATE outbox SET sent_at = now() WHERE event_id = ANY($1)`, [events]);
    try {
      // a first start: no epoch key, so the check repairs; the claim commits while it does
      await e.startWorker();
      const redis = e.redis();
      await eventually(
        () => redis.exists(`${e.cfg.QUEUE_PREFIX}:bedlink-epoch`),
        (n) => n === 1,
      );
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await claim.commitTransaction();
      await claim.release();
    }
    // sent again, and handled by the bed board
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM inbox WHERE consumer = 'bed-board' AND event_id = ANY($1)`, [events]))[0].n,
      (n) => n === 2,
      15_000,
    );
  });
});
