import { Queue } from 'bullmq';
import { packedEventsJobId, QUEUES } from '@bedlink/messaging';
import { SENT_AT_US } from '@bedlink/persistence';
import { RetentionPruner } from '../apps/worker/src/retention';
import { Engine, startEngine } from './support/engine';
import { bedEventsBacklog } from './support/outbox';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';

jest.setTimeout(120_000);

/**
 * Redis acknowledged a write and then lost it without losing everything (a failover to a replica
 * that lagged): the epoch key is still there, so only the lost-write sweeper can notice. Here the
 * loss is made by hand: a job deleted from Redis while its queue was paused.
 */
describe('Lost-write sweeper and retention', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let projections: Queue;
  let commands: Queue;
  beforeAll(async () => {
    e = await startEngine({ env: { SWEEP_INTERVAL_MS: '300', SWEEP_AFTER_MS: '1000', LEADER_POLL_MS: '300' } });
    d = await smallDistrict(e, 'lw');
    const connection = { url: e.cfg.REDIS_URL } as never;
    projections = new Queue(QUEUES.projections, { prefix: e.cfg.QUEUE_PREFIX, connection });
    commands = new Queue(QUEUES.commands, { prefix: e.cfg.QUEUE_PREFIX, connection });
  });
  // a case that fails while a queue is paused must not fail the cases after it (CI saw that cascade)
  afterEach(async () => {
    await projections?.resume().catch(() => undefined);
    await commands?.resume().catch(() => undefined);
  });
  afterAll(async () => {
    await projections?.resume().catch(() => undefined);
    await commands?.resume().catch(() => undefined);
    await projections?.close();
    await commands?.close();
    await e?.close();
  });

  const board = async () => (await e.ds.query(`SELECT total FROM bed_board WHERE institution_id = $1 AND kind = 'COMMUNITY'`, [d.cc2]))[0]?.total;
  /** The centre's community beds, which the board counts once it has caught up: each case starts from it (jest --randomize). */
  const settled = async () => {
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM beds WHERE institution_id = $1 AND kind = 'COMMUNITY'`, [d.cc2]);
    await eventually(board, (t) => t === n);
    return n as number;
  };

  it('re-delivers an event whose job was deleted from Redis, and the projection counts it once', async () => {
    const n0 = await settled();
    await projections.pause();
    const { bedId } = await ok(d.cc2c.post('/beds', { institutionId: d.cc2, kind: 'COMMUNITY', ward: 'Rehab 1', label: '1-02', services: ['REHAB'] }), 'bed');
    const [row] = await eventually(
      () => e.ds.query(`SELECT event_id FROM outbox WHERE event_type = 'BedRegistered' AND aggregate_id = $1 AND sent_at IS NOT NULL`, [bedId]),
      (rows) => rows.length === 1,
    );
    expect(await projections.getJobState(row.event_id)).toBe('waiting');
    // the write Redis lost
    await projections.remove(row.event_id);
    expect(await projections.getJobState(row.event_id)).toBe('unknown');
    await projections.resume();

    await eventually(board, (t) => t === n0 + 1, 20_000, 100);
    const inbox = await e.ds.query(`SELECT count(*)::int AS n FROM inbox WHERE consumer = 'bed-board' AND event_id = $1`, [row.event_id]);
    expect(inbox[0].n).toBe(1);
    // later passes leave a handled event alone
    await new Promise((r) => setTimeout(r, 1500));
    expect(await board()).toBe(n0 + 1);
  });

  it('a packed job Redis still holds is left alone; once lost, its events are sent again and handled once', async () => {
    await settled();
    await projections.pause();
    // three events in one commit and one block of outbox ids (the sequence moved to a block's start): one packed job
    await e.ds.query(`SELECT setval(pg_get_serial_sequence('outbox', 'id'), (SELECT (coalesce(max(id), 0) / 100 + 1) * 100 FROM outbox))`);
    const ids: string[] = (await e.ds.query(`${bedEventsBacklog(1, 3)} RETURNING event_id`)).map((r: { event_id: string }) => r.event_id);
    const sent = (): Promise<{ event_id: string; us: string }[]> =>
      e.ds.query(`SELECT event_id, ${SENT_AT_US('o')} AS us FROM outbox o WHERE event_id = ANY($1) AND sent_at IS NOT NULL ORDER BY id`, [ids]);
    const [first] = await eventually(sent, (r) => r.length === 3);
    const packed = packedEventsJobId(first.us, first.event_id);
    expect(await projections.getJobState(packed)).toBe('waiting');
    for (const id of ids) expect(await projections.getJobState(id)).toBe('unknown');
    // past SWEEP_AFTER_MS, several sweeps: the events travel in a job Redis holds, so nothing is sent again
    await new Promise((r) => setTimeout(r, 2500));
    expect(await sent()).toEqual(ids.map((event_id) => ({ event_id, us: first.us })));

    // the write Redis lost: the sweeper marks the three unsent and the relay sends them again. A sweep that ran
    // while the job was being removed finds some of them only on its next pass (CI saw 2, then 1), so they may
    // come back in two claims: each claim's events in a packed job, or a lone one under its own id.
    await projections.remove(packed);
    const again = await eventually(sent, (r) => r.length === 3 && r.every((x) => x.us !== first.us), 20_000, 100);
    for (const [i, x] of again.entries()) {
      const claim = again.filter((y) => y.us === x.us);
      const job = claim.length === 1 ? x.event_id : packedEventsJobId(x.us, claim[0].event_id);
      expect([i, await projections.getJobState(job)]).toEqual([i, 'waiting']);
    }
    await projections.resume();
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM inbox WHERE consumer = 'bed-board' AND event_id = ANY($1)`, [ids]))[0].n,
      (n) => n === 3,
      20_000,
      100,
    );
  });

  it('queues again a command answered 202 whose job Redis lost; it runs once', async () => {
    const n0 = await settled();
    await commands.pause();
    const reply = await d.cc2c.post(
      '/beds',
      { institutionId: d.cc2, kind: 'COMMUNITY', ward: 'Rehab 1', label: '1-03', services: ['REHAB'] },
      { prefer: 'respond-async', 'idempotency-key': 'lost-202' },
    );
    expect(reply.status).toBe(202);
    const commandId = reply.body.commandId as string;
    const [pending] = await e.ds.query(`SELECT command_type FROM pending_commands WHERE id = $1`, [commandId]);
    expect(pending.command_type).toBe('RegisterBed');
    await commands.remove(commandId);
    await commands.resume();

    await eventually(
      async () => (await e.ds.query(`SELECT ok FROM command_log WHERE id = $1`, [commandId]))[0]?.ok,
      (v) => v === true,
      20_000,
      100,
    );
    await eventually(board, (t) => t === n0 + 1, 20_000, 100);
    // done: forgotten by the next pass; the bed exists once
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM pending_commands WHERE id = $1`, [commandId]))[0].n,
      (n) => n === 0,
    );
    const beds = await e.ds.query(`SELECT count(*)::int AS n FROM beds WHERE institution_id = $1 AND label = '1-03'`, [d.cc2]);
    expect(beds[0].n).toBe(1);
  });

  it('retention prunes sent outbox, inbox and command_log rows past their age, and nothing a guarantee still needs', async () => {
    const q = (sql: string, p: unknown[] = []) => e.ds.query(sql, p);
    // a sent event some consumer has handled (the relay routes an event only to consumers that want it)
    const [sent] = await eventually(
      () =>
        q(`SELECT o.event_id FROM outbox o WHERE o.sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = o.event_id) ORDER BY o.id LIMIT 1`),
      (rows: any[]) => rows.length === 1,
    );
    // old and sent: goes (an unsent row is never pruned, but the live relay sends it at once: not testable here)
    await q(`UPDATE outbox SET created_at = now() - interval '40 days' WHERE event_id = $1`, [sent.event_id]);
    await q(`UPDATE inbox SET handled_at = now() - interval '40 days' WHERE event_id = $1`, [sent.event_id]);
    const [old, waited] = await q(`SELECT id FROM command_log ORDER BY created_at LIMIT 2`);
    await q(`UPDATE command_log SET created_at = now() - interval '40 days' WHERE id = ANY($1)`, [[old.id, waited.id]]);
    // a 202 still pending keeps its result, whatever its age
    await q(`INSERT INTO pending_commands (id, command_type, job) VALUES ($1, 'RegisterBed', '{}')`, [waited.id]);
    // the rows past retention's age, counted before and after: the engine keeps handling events meanwhile, so a
    // count of every row would move on its own (the test failed so, run first by --randomize with its setup's events still arriving)
    const oldRows = async () =>
      Number(
        (
          await q(`SELECT (SELECT count(*) FROM outbox WHERE created_at < now() - interval '30 days')
                        + (SELECT count(*) FROM inbox WHERE handled_at < now() - interval '30 days')
                        + (SELECT count(*) FROM command_log WHERE created_at < now() - interval '30 days') AS n`)
        )[0].n,
      );
    const before = await oldRows();

    const pruned = await e.worker!.get(RetentionPruner).prune();
    expect(pruned.outbox).toBe(1);
    expect(pruned.inbox).toBeGreaterThanOrEqual(1);
    expect(pruned.commandLog).toBe(1);
    expect(await q(`SELECT 1 FROM outbox WHERE event_id = $1`, [sent.event_id])).toHaveLength(0);
    expect(await q(`SELECT 1 FROM inbox WHERE event_id = $1 AND handled_at < now() - interval '30 days'`, [sent.event_id])).toHaveLength(0);
    expect(await q(`SELECT 1 FROM command_log WHERE id = $1`, [old.id])).toHaveLength(0);
    expect(await q(`SELECT 1 FROM command_log WHERE id = $1`, [waited.id])).toHaveLength(1);
    expect(before - (await oldRows())).toBe(pruned.outbox + pruned.inbox + pruned.commandLog);
  });
});
