import { randomUUID } from 'node:crypto';
import { RegisterBedCommand, RegisterBedHandler } from '@bedlink/application';
import { PiiCipher, TypeOrmUnitOfWork } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { dropQueuePrefix } from './support/redis-keys';

jest.setTimeout(120_000);

/** Deletes every key of this engine's queue prefix: what a Redis flush does to it. */
async function flushOurRedis(e: Engine): Promise<number> {
  return dropQueuePrefix(e.redis(), e.cfg.QUEUE_PREFIX);
}

describe('Redis loss: Postgres is the source of truth, the outbox replays', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
  });
  afterAll(() => e?.close());

  const board = async (institutionId: string) =>
    (await e.ds.query(`SELECT total, free FROM bed_board WHERE institution_id = $1 AND kind = 'COMMUNITY'`, [institutionId]))[0];

  it('events committed while the worker was down and Redis was flushed are published once each when the worker restarts', async () => {
    await eventually(
      () => board(d.cc1),
      (b) => b?.total === 3,
    );
    // everything the fixture committed is relayed before the worker goes, so what is pending next is ours alone
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n,
      (n) => n === 0,
    );
    await e.stopWorker();

    // Commit 25 bed registrations straight through the unit of work, as a worker would, with nobody relaying.
    const uow = new TypeOrmUnitOfWork(e.ds, new PiiCipher(e.cfg.PII_KEY));
    const handler = new RegisterBedHandler(uow);
    const actor = { userId: 'cc1-coordinator', role: 'COMMUNITY_COORDINATOR' as const, institutionId: d.cc1, districtId: d.district };
    for (let i = 0; i < 25; i++) {
      await handler.execute(
        new RegisterBedCommand(
          { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Rehab 9', label: `9-${i}` },
          { commandId: `c${randomUUID()}`, commandType: 'RegisterBed', actor, correlationId: randomUUID(), causationId: null, now: new Date() },
        ),
      );
    }
    const [{ pending }] = await e.ds.query(`SELECT count(*)::int AS pending FROM outbox WHERE sent_at IS NULL`);
    expect(pending).toBe(25);

    // Also lose events that WERE relayed but never consumed: mark three handled ones as if their jobs vanished.
    const lost = await e.ds.query(
      `SELECT event_id FROM outbox WHERE event_type = 'BedRegistered' AND sent_at IS NOT NULL AND payload->>'institutionId' = $1 LIMIT 3`,
      [d.cc2],
    );
    expect(lost).toHaveLength(1); // cc2 has one bed
    // as if its job vanished with Redis before the projection ran: no inbox row, no effect
    await e.ds.query(`DELETE FROM inbox WHERE consumer = 'bed-board' AND event_id = $1`, [lost[0].event_id]);
    await e.ds.query(`UPDATE bed_board SET total = total - 1, free = free - 1 WHERE institution_id = $1 AND kind = 'COMMUNITY'`, [d.cc2]);
    expect((await board(d.cc2)).total).toBe(0);
    expect(await flushOurRedis(e)).toBeGreaterThan(0);

    await e.startWorker();
    await eventually(
      () => board(d.cc1),
      (b) => b?.total === 28,
      20_000,
    );
    await eventually(
      () => board(d.cc2),
      (b) => b?.total === 1 && b?.free === 1,
      20_000,
    );
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n,
      (n) => n === 0,
    );

    // Exactly once in effect: one inbox row per bed event, the board counts each bed once.
    const [{ events }] = await e.ds.query(`SELECT count(*)::int AS events FROM outbox WHERE event_type = ANY($1)`, [
      ['BedRegistered', 'BedStatusChanged', 'BedReserved', 'ReservationReleased', 'ReservationExpired'],
    ]);
    const [{ handled }] = await e.ds.query(`SELECT count(*)::int AS handled FROM inbox WHERE consumer = 'bed-board'`);
    expect(handled).toBe(events);
    const [{ beds }] = await e.ds.query(`SELECT count(*)::int AS beds FROM beds`);
    const [{ total }] = await e.ds.query(`SELECT sum(total)::int AS total FROM bed_board`);
    expect(total).toBe(beds);

    // A second flush and restart replays nothing new: the board does not move.
    await e.stopWorker();
    await flushOurRedis(e);
    await e.startWorker();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await board(d.cc1)).total).toBe(28);
    const [{ total: again }] = await e.ds.query(`SELECT sum(total)::int AS total FROM bed_board`);
    expect(again).toBe(beds);
  });
});
