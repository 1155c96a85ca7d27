import { randomUUID } from 'node:crypto';
import { QueryRunner } from 'typeorm';
import { checkInvariants } from '../bench/invariants';
import { INVARIANT_QUERIES, violations } from './faults/invariants';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';

jest.setTimeout(120_000);

/**
 * The fault suite's invariant queries are only worth running if they can fail. Here, in this suite's own
 * database, real lifecycles leave real rows; then each violation is planted around the application (its
 * backstop index dropped first where the database would refuse it), inside a transaction that is rolled back,
 * and the query named for it must find it. A query that looks where no violation can be seen fails here.
 */
describe('fault invariants: each query finds the violation planted for it', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  /** A completed bed lifecycle, a completed programme lifecycle and a live DRAFT referral. */
  const f = {} as { bedRef: string; bedPatient: string; bed: string; freeBed: string; progRef: string; programme: string; draftRef: string };

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
    const lifecycle = async (patientId: string, kind: string, target: Record<string, string>, accept: Record<string, string>) => {
      const r = await ok(
        d.planner.post('/referrals', {
          patientId,
          requestedKind: kind,
          services: ['NURSING'],
          urgency: 'ROUTINE',
          clinicalSummary: 'invariants',
          consent: true,
        }),
        'draft',
      );
      await ok(d.planner.post(`/referrals/${r.referralId}/submit`), 'submit');
      const o = await ok(d.planner.post(`/referrals/${r.referralId}/offers`, { targetInstitutionId: d.cc1, ...target }), 'offer');
      await ok(d.cc1c.post(`/referrals/${r.referralId}/offers/${o.offerId}/view`), 'view');
      await ok(d.cc1c.post(`/referrals/${r.referralId}/offers/${o.offerId}/accept`, accept), 'accept');
      await ok(d.planner.post(`/referrals/${r.referralId}/start-transfer`), 'start transfer');
      await ok(d.cc1c.post(`/referrals/${r.referralId}/confirm-admission`), 'confirm');
      return r.referralId as string;
    };
    f.bedPatient = await d.patient();
    f.bed = d.cc1Beds[0];
    f.freeBed = d.cc1Beds[1];
    f.bedRef = await lifecycle(f.bedPatient, 'COMMUNITY', { targetBedId: f.bed }, { bedId: f.bed });
    const prog = await ok(d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: 'invariant wards', capacity: 1 }), 'programme');
    f.programme = prog.programmeId;
    f.progRef = await lifecycle(await d.patient(), 'HOME_SICKBED', { targetProgrammeId: f.programme }, { programmeId: f.programme });
    const draft = await ok(
      d.planner.post('/referrals', {
        patientId: await d.patient(),
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'x',
        consent: true,
      }),
      'draft',
    );
    f.draftRef = draft.referralId;
  });
  afterAll(async () => {
    await e?.close();
  });

  /** Plants inside a transaction that is always rolled back, and returns what every query finds meanwhile. */
  async function planted(plant: (q: QueryRunner) => Promise<unknown>): Promise<Record<string, unknown[]>> {
    const qr = e.ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      await plant(qr);
      return await violations((sql) => qr.query(sql));
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  }
  /** A copy of the reservation of `referralId` under a new id, changed by `set` (SQL assignments on the copy). */
  const copyReservation = (q: QueryRunner, referralId: string, set: string, params: unknown[] = []) =>
    q.query(
      `CREATE TEMP TABLE x_copy ON COMMIT DROP AS SELECT * FROM reservations WHERE referral_id = $1;
       UPDATE x_copy SET id = gen_random_uuid(), ${set};
       INSERT INTO reservations SELECT * FROM x_copy; DROP TABLE x_copy`.replace('$1', `'${referralId}'`),
      params,
    );

  it('the real lifecycles leave no violation', async () => {
    expect(await violations((sql) => e.ds.query(sql))).toEqual({});
  });

  const cases: { name: string; plant: (q: QueryRunner) => Promise<unknown> }[] = [
    {
      name: 'one live hold per bed',
      plant: async (q) => {
        await q.query(`DROP INDEX reservations_one_live_per_bed`);
        await copyReservation(q, f.bedRef, `state = 'HELD', bed_id = '${f.freeBed}'`);
        await copyReservation(q, f.bedRef, `state = 'HELD', bed_id = '${f.freeBed}'`);
      },
    },
    {
      name: 'no hold on a bed that is not available',
      // the bed of the completed lifecycle is occupied
      plant: (q) => copyReservation(q, f.bedRef, `state = 'HELD'`),
    },
    {
      name: 'one bed per occupant',
      plant: async (q) => {
        await q.query(`DROP INDEX beds_one_bed_per_occupant`);
        await q.query(`UPDATE beds SET status = 'O', occupant_patient_id = $1 WHERE id = $2`, [f.bedPatient, f.freeBed]);
      },
    },
    {
      name: 'no programme over capacity',
      // capacity lowered under the one active enrolment, around the command that refuses it
      plant: (q) => q.query(`UPDATE home_programmes SET capacity = 0 WHERE id = $1`, [f.programme]),
    },
    {
      name: 'one active enrolment per patient',
      plant: async (q) => {
        await q.query(`DROP INDEX enrolments_one_active_per_patient_kind`);
        await q.query(
          `INSERT INTO enrolments (id, programme_id, patient_id, referral_id, started_at, kind) SELECT $1, programme_id, patient_id, referral_id, started_at, kind FROM enrolments WHERE referral_id = $2`,
          [randomUUID(), f.progRef],
        );
      },
    },
    {
      name: 'a lifecycle completes once',
      plant: (q) =>
        q.query(
          `INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata)
           SELECT gen_random_uuid(), event_type, aggregate_type, aggregate_id, payload, metadata FROM outbox WHERE event_type = 'ReferralCompleted' AND aggregate_id = $1`,
          [f.bedRef],
        ),
    },
    {
      name: 'a lifecycle completes once',
      // the other trace of a second completion: a second consumed reservation
      plant: (q) => copyReservation(q, f.bedRef, `state = 'CONSUMED'`),
    },
    {
      name: 'one live referral per patient',
      plant: async (q) => {
        await q.query(`DROP INDEX referrals_one_live_per_patient`);
        await q.query(
          `CREATE TEMP TABLE r_copy ON COMMIT DROP AS SELECT * FROM referrals WHERE id = $1; UPDATE r_copy SET id = gen_random_uuid(); INSERT INTO referrals SELECT * FROM r_copy`.replaceAll(
            '$1',
            `'${f.draftRef}'`,
          ),
        );
      },
    },
    {
      name: 'holds agree with the referral state',
      // a DRAFT referral said ACCEPTED: no hold behind it
      plant: (q) => q.query(`UPDATE referrals SET state = 'ACCEPTED' WHERE id = $1`, [f.draftRef]),
    },
    {
      name: 'a completed referral placed its patient',
      plant: (q) => q.query(`UPDATE beds SET status = 'U', occupant_patient_id = NULL WHERE id = $1`, [f.bed]),
    },
  ];

  it('every invariant query has a planted violation here', () => {
    expect([...new Set(cases.map((c) => c.name))].sort()).toEqual(INVARIANT_QUERIES.map((q) => q.name).sort());
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: found when planted', async (name, c) => {
    const found = await planted(c.plant);
    expect(Object.keys(found)).toContain(name);
  });

  describe("the bench's check after its run (bench/invariants.ts)", () => {
    /** checkInvariants inside a transaction that is always rolled back, after `plant`. */
    async function benchCheck(plant: (q: QueryRunner) => Promise<unknown>, completed = [f.bedRef, f.progRef]) {
      const qr = e.ds.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      try {
        await plant(qr);
        return await checkInvariants((sql, params) => qr.query(sql, params), completed);
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
      }
    }

    it('passes the real lifecycles', async () => {
      const r = await benchCheck(async () => undefined);
      expect(r).toMatchObject({
        ok: true,
        state: {},
        lifecycles: { completedByDriver: 2, notCompletedInDatabase: [], completedTwice: [] },
        audit: { ok: true },
      });
      expect(r.audit.records).toBeGreaterThan(10);
    });

    it('fails on a double booking', async () => {
      const r = await benchCheck(async (q) => {
        await q.query(`DROP INDEX reservations_one_live_per_bed`);
        await copyReservation(q, f.bedRef, `state = 'HELD', bed_id = '${f.freeBed}'`);
        await copyReservation(q, f.bedRef, `state = 'HELD', bed_id = '${f.freeBed}'`);
      });
      expect(r.ok).toBe(false);
      expect(Object.keys(r.state)).toContain('one live hold per bed');
    });

    it('fails when a lifecycle the driver saw complete is not completed, or completed twice', async () => {
      const lost = await benchCheck(async () => undefined, [f.bedRef, f.draftRef]);
      expect(lost).toMatchObject({ ok: false, lifecycles: { notCompletedInDatabase: [f.draftRef] } });
      const twice = await benchCheck((q) =>
        q.query(
          `INSERT INTO audit_log (aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, correlation_id, occurred_at, prev_hash, hash)
           SELECT aggregate_type, aggregate_id, aggregate_seq + 1000, gen_random_uuid(), event_type, payload, actor_user, actor_role, actor_institution, correlation_id, occurred_at, prev_hash, hash
             FROM audit_log WHERE event_type = 'ReferralCompleted' AND aggregate_id = $1`,
          [f.bedRef],
        ),
      );
      expect(twice).toMatchObject({ ok: false, lifecycles: { completedTwice: [f.bedRef] }, audit: { ok: false } });
    });

    it('fails when the audit trail does not verify', async () => {
      const r = await benchCheck(async (q) => {
        await q.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`);
        await q.query(`UPDATE audit_log SET payload = payload || '{"forged": true}' WHERE aggregate_id = $1 AND event_type = 'ReferralCompleted'`, [f.bedRef]);
      });
      expect(r).toMatchObject({ ok: false, state: {}, audit: { ok: false } });
    });
  });
});
