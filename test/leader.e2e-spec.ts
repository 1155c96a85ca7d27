import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { envOf, WorkerProcesses } from './support/processes';
import { LEADER_LOCK_KEY } from '../apps/worker/src/leader';

jest.setTimeout(240_000);

const LEADER_POLL_MS = 500;

/**
 * Two real worker processes on one database and one Redis: one holds the leader lock and does the
 * once-only duties (here the deadline watchdog); SIGKILL it and the other takes over, and every
 * overdue offer expires exactly once.
 */
describe('Leader duties: one worker at a time, handed over when the leader dies', () => {
  let e: Engine;
  const workers = new WorkerProcesses();
  beforeAll(async () => {
    e = await startEngine({ worker: false, env: { DEADLINE_SWEEP_MS: '300', LEADER_POLL_MS: String(LEADER_POLL_MS) } });
  });
  afterAll(async () => {
    await workers.stopAll();
    await e?.close();
  });

  /**
   * Which worker process holds the lock, by the pid it puts in its leader session's name. Advisory locks are
   * per database: other suites' workers hold the same key in theirs at the same time.
   */
  const holder = async (): Promise<number[]> =>
    (
      await e.ds.query(
        `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [LEADER_LOCK_KEY],
      )
    ).map((r: { application_name: string }) => Number(r.application_name.replace('bedlink-leader-', '')));

  it('the survivor takes over within the poll interval and fires each overdue deadline once', async () => {
    const env = envOf(e.cfg, { LOG_LEVEL: 'info' });
    const [w1, w2] = await Promise.all([workers.start(env), workers.start(env)]);
    const pids = [w1.child.pid!, w2.child.pid!];
    const [first] = await eventually(holder, (h) => h.length === 1, 20_000);
    expect(pids).toContain(first);
    const leader = first === pids[0] ? w1 : w2;
    const follower = leader === w1 ? w2 : w1;

    const d = await smallDistrict(e, 'lead');
    const referrals: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await ok(
        d.planner.post('/referrals', {
          patientId: await d.patient(),
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'ROUTINE',
          clinicalSummary: 'leader',
          careLevel: 3,
          consent: true,
        }),
        'draft',
      );
      await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit');
      referrals.push(r.referralId);
    }
    const offers: string[] = (await e.ds.query(`SELECT id FROM offers WHERE referral_id = ANY($1) AND state = 'PENDING'`, [referrals])).map(
      (r: { id: string }) => r.id,
    );
    expect(offers).toHaveLength(4);
    // only the leader ever said so
    expect(workers.log(follower)).not.toContain('is the leader');
    expect(workers.log(leader)).toContain('is the leader');

    leader.child.kill('SIGKILL');
    const killedAt = Date.now();
    await leader.exited;
    // the timers in Redis are hours away: only the new leader's watchdog can fire these now
    await e.ds.query(`UPDATE offers SET deadline_at = now() - interval '5 seconds' WHERE id = ANY($1)`, [offers]);
    // Postgres ends the dead session at once (its socket closed): the follower's next try wins. The
    // bound is generous on purpose: on a loaded machine the follower's timer runs late (27.7 s was
    // seen at load 25 on 2 cores; 0.45 s on a quieter minute). The figure is printed, not asserted.
    const [next] = await eventually(holder, (h) => h.length === 1 && h[0] === follower.child.pid, 90_000, 50);
    const takeoverMs = Date.now() - killedAt;
    expect(next).toBe(follower.child.pid);
    process.stdout.write(`leader hand-over after SIGKILL: ${takeoverMs} ms (LEADER_POLL_MS ${LEADER_POLL_MS})\n`);

    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM offers WHERE id = ANY($1) AND state = 'EXPIRED'`, [offers]))[0].n,
      (n) => n === offers.length,
      60_000,
      200,
    );
    // several watchdog passes later, still once each: in the trail, in the outbox and in the command log
    await new Promise((r) => setTimeout(r, 1500));
    const audit = await e.ds.query(
      `SELECT payload->>'offerId' AS offer, count(*)::int AS n FROM audit_log WHERE event_type = 'OfferExpired' AND aggregate_id = ANY($1) GROUP BY 1`,
      [referrals],
    );
    expect(audit.map((r: { n: number }) => r.n)).toEqual([1, 1, 1, 1]);
    const [{ n: outboxed }] = await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE event_type = 'OfferExpired' AND aggregate_id = ANY($1)`, [
      referrals,
    ]);
    expect(outboxed).toBe(4);
    // one logged expiry per offer (the job id names the offer and the deadline it was armed for)
    const [{ n: logged }] = await e.ds.query(`SELECT count(*)::int AS n FROM command_log WHERE command_type = 'ExpireOffer' AND id LIKE ANY($1)`, [
      offers.map((o) => `c-expire-offer-${o}%`),
    ]);
    expect(logged).toBe(4);
    expect(workers.log(follower)).toContain('is the leader');
  });
});
