import { Engine, startEngine } from './support/engine';
import { ok, rehabReferral, smallDistrict } from './support/fixture';
import { liveInvolvementSql } from '@bedlink/persistence';
import { client, eventually } from './support/http';

jest.setTimeout(120_000);

type District = Awaited<ReturnType<typeof smallDistrict>>;

/**
 * A live offer carries its referral's state, updated_at and district (offers.referral_state,
 * referral_updated_at, referral_district_id: migration 1735100000000), kept by the database so that a target's list and the FHIR owner search page
 * from one index. Real lifecycles through the API and the watchdog, then offers written by hand: after
 * each step no live offer may disagree with its referral, and an ended offer keeps a copy no newer than it.
 * Reservations carry the same (referral_state, referral_updated_at: migration 1735110000000) for the list's
 * holds: a HELD or CONSUMED one equal to its referral, an ended one no newer than it.
 */
describe('offers carry their referral’s state and updated_at', () => {
  let e: Engine;
  let d: District;
  beforeAll(async () => {
    e = await startEngine({ env: { DEADLINE_SWEEP_MS: '300', LEADER_POLL_MS: '300' } });
    d = await smallDistrict(e, `copy${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  /** Every offer that disagrees with its referral: a live one that differs, an ended one ahead of it. */
  const violations = async () =>
    e.ds.query(
      `SELECT o.id, o.state, o.referral_state, r.state AS referral_now, o.referral_updated_at, r.updated_at AS updated_now
         FROM offers o JOIN referrals r ON r.id = o.referral_id
        WHERE o.referral_state IS NULL OR o.referral_updated_at IS NULL OR o.referral_district_id IS DISTINCT FROM r.district_id
           OR (o.state IN ('PENDING','VIEWED','ACCEPTED') AND (o.referral_state, o.referral_updated_at) IS DISTINCT FROM (r.state, r.updated_at))
           OR o.referral_updated_at > r.updated_at`,
    );
  /** Every reservation that disagrees with its referral: a HELD or CONSUMED one that differs, an ended one ahead of it. */
  const holdViolations = async () =>
    e.ds.query(
      `SELECT x.id, x.state, x.referral_state, r.state AS referral_now, x.referral_updated_at, r.updated_at AS updated_now
         FROM reservations x JOIN referrals r ON r.id = x.referral_id
        WHERE x.referral_state IS NULL OR x.referral_updated_at IS NULL
           OR (x.state IN ('HELD','CONSUMED') AND (x.referral_state, x.referral_updated_at) IS DISTINCT FROM (r.state, r.updated_at))
           OR x.referral_updated_at > r.updated_at`,
    );
  const holdOf = async (referralId: string, institutionId: string) =>
    (
      await e.ds.query(
        `SELECT x.id, x.state, x.referral_state, r.state AS referral_now, x.referral_updated_at = r.updated_at AS same_time
           FROM reservations x JOIN referrals r ON r.id = x.referral_id WHERE x.referral_id = $1 AND x.institution_id = $2
          ORDER BY x.created_at DESC LIMIT 1`,
        [referralId, institutionId],
      )
    )[0];
  const copyOf = async (offerId: string) =>
    (
      await e.ds.query(
        `SELECT o.state, o.referral_state, r.state AS referral_now, o.referral_updated_at = r.updated_at AS same_time
           FROM offers o JOIN referrals r ON r.id = o.referral_id WHERE o.id = $1`,
        [offerId],
      )
    )[0];
  const stateOf = async (id: string) => (await e.ds.query(`SELECT state FROM referrals WHERE id = $1`, [id]))[0].state as string;
  /** Runs a step, then checks every offer and every reservation of the database. */
  const step = async (what: string, fn: () => Promise<unknown>) => {
    await fn();
    expect([what, await violations(), await holdViolations()]).toEqual([what, [], []]);
  };
  const draft = async () =>
    (await ok(d.planner.post('/referrals', rehabReferral(await d.patient(), { clinicalSummary: 'copy' })), 'draft')).referralId as string;

  it('stays equal through offer, view, decline, accept, transfer, admission, cancel, revoke and expiry', async () => {
    const holds = new Set<string>();
    // offered to two centres; one views and declines, the other accepts; transferred, admitted
    const placed = await draft();
    let first = '';
    let second = '';
    await step('submit', async () => {
      const offers = (await ok(d.planner.post(`/referrals/${placed}/submit`, { targets: [{ institutionId: d.cc1 }, { institutionId: d.cc2 }] }), 'submit'))
        .offers as Array<{ offerId: string; targetInstitutionId: string }>;
      [first, second] = [d.cc1, d.cc2].map((t) => offers.find((o) => o.targetInstitutionId === t)!.offerId);
    });
    await step('view', () => ok(d.cc1c.post(`/referrals/${placed}/offers/${first}/view`), 'view'));
    expect(await copyOf(first)).toEqual({ state: 'VIEWED', referral_state: 'OFFERED', referral_now: 'OFFERED', same_time: true });
    await step('decline', () => ok(d.cc1c.post(`/referrals/${placed}/offers/${first}/decline`, { reason: 'NO_CAPACITY' }), 'decline'));
    await step('accept', () => ok(d.cc2c.post(`/referrals/${placed}/offers/${second}/accept`, { bedId: d.cc2Beds[0] }), 'accept'));
    // the bed is held: its reservation carries the referral as accepted
    const held = await holdOf(placed, d.cc2);
    expect({ ...held, id: undefined }).toEqual({ id: undefined, state: 'HELD', referral_state: 'ACCEPTED', referral_now: 'ACCEPTED', same_time: true });
    holds.add(held.id);
    await step('transfer', () => ok(d.planner.post(`/referrals/${placed}/start-transfer`), 'transfer'));
    await step('admit', () => ok(d.cc2c.post(`/referrals/${placed}/confirm-admission`), 'admit'));
    expect(await stateOf(placed)).toBe('COMPLETED');
    // admission consumes the hold; the referral's completion reaches it all the same
    expect(await holdOf(placed, d.cc2)).toEqual({ id: held.id, state: 'CONSUMED', referral_state: 'COMPLETED', referral_now: 'COMPLETED', same_time: true });
    // the placement stays ACCEPTED after the referral completes: its copy followed the referral to the end
    expect(await copyOf(second)).toEqual({ state: 'ACCEPTED', referral_state: 'COMPLETED', referral_now: 'COMPLETED', same_time: true });
    // the declined offer kept what the referral was when it ended, and no read lists it
    expect((await copyOf(first)).state).toBe('DECLINED');

    // cancelled while offered: the offer is withdrawn
    const cancelled = await draft();
    await step('submit, to be cancelled', () => ok(d.planner.post(`/referrals/${cancelled}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit'));
    await step('cancel', () => ok(d.planner.post(`/referrals/${cancelled}/cancel`, { reason: 'family withdrew consent' }), 'cancel'));
    expect(await stateOf(cancelled)).toBe('CANCELLED');

    // accepted, then revoked by the receiver
    const revoked = await draft();
    let revokedOffer = '';
    await step('submit, to be revoked', async () => {
      revokedOffer = (await ok(d.planner.post(`/referrals/${revoked}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit')).offers[0].offerId;
    });
    await step('accept, to be revoked', () => ok(d.cc1c.post(`/referrals/${revoked}/offers/${revokedOffer}/accept`, { bedId: d.cc1Beds[0] }), 'accept'));
    const revokedHold = (await holdOf(revoked, d.cc1)).id as string;
    holds.add(revokedHold);
    await step('revoke', () => ok(d.cc1c.post(`/referrals/${revoked}/revoke`, { reason: 'bed no longer available' }), 'revoke'));
    expect((await copyOf(revokedOffer)).state).toBe('REVOKED');
    // the released hold kept what the referral was when it ended
    expect((await holdOf(revoked, d.cc1)).state).toBe('RELEASED');

    // accepted, then the hold runs out: the watchdog expires the reservation
    const lapsed = await draft();
    let lapsedOffer = '';
    await step('submit, hold to expire', async () => {
      lapsedOffer = (await ok(d.planner.post(`/referrals/${lapsed}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit')).offers[0].offerId;
    });
    await step('accept, hold to expire', () => ok(d.cc1c.post(`/referrals/${lapsed}/offers/${lapsedOffer}/accept`, { bedId: d.cc1Beds[1] }), 'accept'));
    const lapsedHold = (await holdOf(lapsed, d.cc1)).id as string;
    holds.add(lapsedHold);
    await step('hold expires', async () => {
      await e.ds.query(`UPDATE reservations SET expires_at = now() - interval '3 seconds' WHERE id = $1`, [lapsedHold]);
      await eventually(
        async () => (await e.ds.query(`SELECT state FROM reservations WHERE id = $1`, [lapsedHold]))[0].state,
        (s) => s === 'EXPIRED',
        20_000,
      );
    });
    expect(await stateOf(lapsed)).not.toBe('ACCEPTED');

    // the deadline passes: the watchdog expires the offer and the referral moves on without it
    const expiring = await draft();
    let expiringOffer = '';
    await step('submit, to expire', async () => {
      expiringOffer = (await ok(d.planner.post(`/referrals/${expiring}/submit`, { targets: [{ institutionId: d.cc2 }] }), 'submit')).offers[0].offerId;
    });
    await step('expire', async () => {
      await e.ds.query(`UPDATE offers SET deadline_at = now() - interval '3 seconds' WHERE id = $1`, [expiringOffer]);
      await eventually(
        async () => (await e.ds.query(`SELECT state FROM offers WHERE id = $1`, [expiringOffer]))[0].state,
        (s) => s === 'EXPIRED',
        20_000,
      );
    });
    expect(await stateOf(expiring)).not.toBe('OFFERED');

    // an offer written by hand (bulk SQL, a repair): filled from its referral on insert, then kept by it
    const byHand = (
      await e.ds.query(
        `INSERT INTO offers (id, referral_id, target_institution_id, state, rank, created_at) VALUES (gen_random_uuid(), $1, $2, 'ACCEPTED', 9, now())
         RETURNING id, referral_state, referral_updated_at`,
        [placed, d.care],
      )
    )[0];
    expect(byHand.referral_state).toBe('COMPLETED');
    expect(await violations()).toEqual([]);
    await step('referral touched by hand', () => e.ds.query(`UPDATE referrals SET updated_at = now() + interval '1 minute' WHERE id = $1`, [placed]));
    expect(await copyOf(byHand.id)).toEqual({ state: 'ACCEPTED', referral_state: 'COMPLETED', referral_now: 'COMPLETED', same_time: true });
    // an ended offer made live again by hand reads its referral too
    await step('revived by hand', () => e.ds.query(`UPDATE offers SET state = 'PENDING' WHERE id = $1`, [first]));
    expect(await copyOf(first)).toEqual({ state: 'PENDING', referral_state: 'COMPLETED', referral_now: 'COMPLETED', same_time: true });

    // a reservation written by hand: filled from its referral on insert. It is the care home's only
    // involvement in the cancelled referral, so the care home's list finds that referral by the hold alone
    const handHold = (
      await e.ds.query(
        `INSERT INTO reservations (id, referral_id, offer_id, institution_id, bed_id, state, expires_at, created_at, ended_at)
         SELECT gen_random_uuid(), $1, o.id, $2, $3, 'CONSUMED', now(), now(), now() FROM offers o WHERE o.referral_id = $1
         RETURNING id, referral_state`,
        [cancelled, d.care, d.careBeds[0]],
      )
    )[0];
    expect(handHold.referral_state).toBe('CANCELLED');
    holds.add(handHold.id);
    expect(await holdViolations()).toEqual([]);
    await step('cancelled referral touched by hand', () =>
      e.ds.query(`UPDATE referrals SET updated_at = now() + interval '2 minutes' WHERE id = $1`, [cancelled]),
    );
    expect(await holdOf(cancelled, d.care)).toEqual({
      id: handHold.id,
      state: 'CONSUMED',
      referral_state: 'CANCELLED',
      referral_now: 'CANCELLED',
      same_time: true,
    });
    for (const [side, state] of [
      ['target', 'CANCELLED'],
      ['target', undefined],
      ['all', 'CANCELLED'],
    ] as const) {
      const q = new URLSearchParams({ side, limit: '50', ...(state ? { state } : {}) }).toString();
      const got = ((await ok(d.carec.get(`/referrals?${q}`), `care home ${q}`)) as { id: string }[]).map((r) => r.id);
      const where = side === 'target' ? `r.origin_institution_id <> $1 AND ${liveInvolvementSql('r', '$1')}` : liveInvolvementSql('r', '$1');
      const want = (
        await e.ds.query(`SELECT id FROM referrals r WHERE ${where} AND ($2::text IS NULL OR r.state = $2) ORDER BY r.updated_at DESC, r.id`, [
          d.care,
          state ?? null,
        ])
      ).map((r: { id: string }) => r.id);
      expect([q, got]).toEqual([q, want]);
      expect(got).toContain(cancelled);
    }
    // an ended hold made live again by hand reads its referral too
    await step('hold revived by hand', () => e.ds.query(`UPDATE reservations SET state = 'CONSUMED' WHERE id = $1`, [revokedHold]));
    const revived = await holdOf(revoked, d.cc1);
    expect([revived.id, revived.state, revived.referral_state, revived.same_time]).toEqual([revokedHold, 'CONSUMED', await stateOf(revoked), true]);
    // every lifecycle above left its hold in the check
    expect((await e.ds.query(`SELECT id FROM reservations WHERE id = ANY($1)`, [[...holds]])).length).toBe(4);

    // the check itself finds a disagreement
    await e.ds.query(`UPDATE offers SET referral_state = 'OFFERED' WHERE id = $1`, [byHand.id]);
    expect((await violations()).map((v: { id: string }) => v.id)).toEqual([byHand.id]);
    await e.ds.query(`UPDATE reservations SET referral_updated_at = referral_updated_at - interval '1 second' WHERE id = $1`, [handHold.id]);
    expect((await holdViolations()).map((v: { id: string }) => v.id)).toEqual([handHold.id]);
    // and an ended one ahead of its referral
    await e.ds.query(`UPDATE reservations SET referral_updated_at = referral_updated_at + interval '1 hour' WHERE id = $1`, [lapsedHold]);
    expect((await holdViolations()).map((v: { id: string }) => v.id).sort()).toEqual([handHold.id, lapsedHold].sort());
    await e.ds.query(`DELETE FROM reservations WHERE id = $1`, [handHold.id]);
    await e.ds.query(`UPDATE reservations SET referral_updated_at = referral_updated_at - interval '1 hour' WHERE id = $1`, [lapsedHold]);
    await e.ds.query(`UPDATE reservations SET state = 'RELEASED' WHERE id = $1`, [revokedHold]);
    await e.ds.query(`DELETE FROM offers WHERE id = ANY($1)`, [[byHand.id]]);
    await e.ds.query(`UPDATE offers SET state = 'DECLINED' WHERE id = $1`, [first]);
    expect(await violations()).toEqual([]);
    expect(await holdViolations()).toEqual([]);
  });

  it('a command writes each offer and reservation it changes once, its copy with it', async () => {
    // The flush writes the referral before its children (WriteBatch keeps the order), so a child's fill trigger
    // reads the referral as this command leaves it and the referral's trigger then finds the child current. Were
    // the children written first, each would be written twice: filled stale, then rewritten (with every index
    // and foreign-key check). Every write of an offer or a reservation row is counted by a trigger of this
    // suite's own (SECURITY DEFINER: the engine's runtime role may not write the counter).
    await e.ds.query(`DROP TABLE IF EXISTS child_writes`);
    await e.ds.query(`
      CREATE TABLE child_writes (tbl text, id uuid, op text);
      CREATE OR REPLACE FUNCTION count_child_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN INSERT INTO child_writes VALUES (TG_TABLE_NAME, NEW.id, TG_OP); RETURN NULL; END $$;
      CREATE TRIGGER count_offer_writes AFTER INSERT OR UPDATE ON offers FOR EACH ROW EXECUTE FUNCTION count_child_write();
      CREATE TRIGGER count_reservation_writes AFTER INSERT OR UPDATE ON reservations FOR EACH ROW EXECUTE FUNCTION count_child_write();`);
    try {
      const writes = async (id: string) => (await e.ds.query(`SELECT op FROM child_writes WHERE id = $1`, [id])).map((r: { op: string }) => r.op).join(',');
      const referral = await draft();
      let offer = '';
      await step('submit', async () => {
        offer = (await ok(d.planner.post(`/referrals/${referral}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit')).offers[0].offerId;
      });
      // offered: one INSERT, not an INSERT the referral's trigger then rewrites
      expect(await writes(offer)).toBe('INSERT');
      await step('view', () => ok(d.cc1c.post(`/referrals/${referral}/offers/${offer}/view`), 'view'));
      expect(await writes(offer)).toBe('INSERT,UPDATE');
      await step('accept', () => ok(d.cc1c.post(`/referrals/${referral}/offers/${offer}/accept`, { bedId: d.cc1Beds[2] }), 'accept'));
      expect(await writes(offer)).toBe('INSERT,UPDATE,UPDATE');
      const hold = (await holdOf(referral, d.cc1)).id as string;
      expect(await writes(hold)).toBe('INSERT');
      // a command that writes neither child: the referral's trigger brings each live one up to date, once
      await step('transfer', () => ok(d.planner.post(`/referrals/${referral}/start-transfer`), 'transfer'));
      expect([await writes(offer), await writes(hold)]).toEqual(['INSERT,UPDATE,UPDATE,UPDATE', 'INSERT,UPDATE']);
      // admission consumes the hold (its own write, the copy with it) and completes the referral
      await step('admit', () => ok(d.cc1c.post(`/referrals/${referral}/confirm-admission`), 'admit'));
      expect([await writes(offer), await writes(hold)]).toEqual(['INSERT,UPDATE,UPDATE,UPDATE,UPDATE', 'INSERT,UPDATE,UPDATE']);
      expect(await holdOf(referral, d.cc1)).toMatchObject({ state: 'CONSUMED', referral_state: 'COMPLETED', same_time: true });
    } finally {
      await e.ds.query(`DROP TRIGGER count_offer_writes ON offers; DROP TRIGGER count_reservation_writes ON reservations`);
    }
  });

  it('the FHIR owner search (read from the carried copy) finds what the plain owner filter finds', async () => {
    // its own offers, whatever ran before (jest --randomize): two open at cc1, one accepted by cc2
    for (const targets of [[{ institutionId: d.cc1 }], [{ institutionId: d.cc1 }, { institutionId: d.cc2 }]])
      await ok(d.planner.post(`/referrals/${await draft()}/submit`, { targets }), 'submit');
    const bed = (
      await ok(d.cc2c.post('/beds', { institutionId: d.cc2, kind: 'COMMUNITY', ward: 'Copy', label: `fhir-${Date.now()}`, services: ['REHAB'] }), 'bed')
    ).bedId as string;
    const toAccept = await draft();
    const offer = (await ok(d.planner.post(`/referrals/${toAccept}/submit`, { targets: [{ institutionId: d.cc2 }] }), 'submit')).offers[0].offerId;
    await ok(d.cc2c.post(`/referrals/${toAccept}/offers/${offer}/accept`, { bedId: bed }), 'accept');
    const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: d.district }));
    const as = { [d.cc1]: d.cc1c, [d.cc2]: d.cc2c };
    let found = 0;
    for (const owner of [d.cc1, d.cc2])
      for (const [status, states] of [
        [undefined, null],
        ['completed', ['COMPLETED']],
        ['accepted', ['ACCEPTED']],
        ['cancelled', ['CANCELLED', 'REJECTED']],
      ] as const)
        for (const [who, c, scope] of [
          ['district', dc, d.district],
          ['owner', as[owner], null],
        ] as const) {
          const q = new URLSearchParams({ owner: `Organization/${owner}`, _count: '50', ...(status ? { status } : {}) }).toString();
          const bundle = await ok(c.get(`/fhir/Task?${q}`), `${who} ${q}`);
          const want = (
            await e.ds.query(
              `SELECT r.id FROM referrals r
                WHERE r.id IN (SELECT referral_id FROM offers WHERE target_institution_id = $1 AND state IN ('PENDING','VIEWED','ACCEPTED'))
                  AND ($2::text IS NULL OR r.district_id = $2) AND ($3::text[] IS NULL OR r.state = ANY($3))
                ORDER BY r.updated_at DESC, r.id`,
              [owner, scope, states],
            )
          ).map((r: { id: string }) => r.id);
          const got = ((bundle.entry ?? []) as Array<{ resource: { id: string } }>).map((x) => x.resource.id);
          expect([who, q, bundle.total, got]).toEqual([who, q, want.length, want]);
          found += got.length;
        }
    // at least this case's own: 2 open at cc1 and 2 at cc2 (one accepted), each seen by the district and the owner
    expect(found).toBeGreaterThanOrEqual(8);
  });
});
