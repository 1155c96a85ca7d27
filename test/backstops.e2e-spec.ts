import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Bed, DomainError } from '@bedlink/domain';
import { auditKeys } from '@bedlink/config';
import { PiiCipher, translatePgError, TypeOrmUnitOfWork, verifyAudit, verifyAuditChains, writeAuditCheckpoint } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';

jest.setTimeout(120_000);

/**
 * The database's own guards, each reached AROUND the application: row locks and the code's
 * checks answer first in normal use, so without these tests any of the guards could be dropped
 * and every other suite would still pass. Each test writes directly as the superuser (e.ds) and
 * asserts the SQLSTATE and constraint the database refuses with, then what the engine makes of
 * that refusal (translatePgError: the code a losing racer gets).
 */
interface PgFailure {
  code?: string;
  constraint?: string;
  message: string;
}
const refusal = (p: Promise<unknown>): Promise<PgFailure & { error: unknown }> =>
  p.then(
    () => {
      throw new Error('the database accepted a write its guard should refuse');
    },
    (err: any) => ({
      code: err.driverError?.code ?? err.code,
      constraint: err.driverError?.constraint ?? err.constraint,
      message: String(err.message),
      error: err,
    }),
  );
const domainCode = (err: unknown) => {
  const t = translatePgError(err);
  return t instanceof DomainError ? t.code : null;
};

describe('Backstops: what the database refuses when the application is bypassed', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  /** A fresh patient with a DRAFT referral (live), through the API; each test takes its own. */
  async function draft(): Promise<{ patientId: string; referralId: string }> {
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'backstop',
        consent: true,
      }),
      'draft',
    );
    return { patientId, referralId: r.referralId };
  }
  /** A copy of a referral row under a new id, written directly (no application check runs). */
  async function copyReferral(referralId: string, state?: string): Promise<string> {
    const id = randomUUID();
    await e.ds.transaction(async (m) => {
      await m.query(`CREATE TEMP TABLE r_copy ON COMMIT DROP AS SELECT * FROM referrals WHERE id = $1`, [referralId]);
      await m.query(`UPDATE r_copy SET id = $1, state = coalesce($2, state)`, [id, state ?? null]);
      await m.query(`INSERT INTO referrals SELECT * FROM r_copy`);
    });
    return id;
  }
  async function offer(referralId: string, institutionId: string, bedId: string): Promise<string> {
    const id = randomUUID();
    await e.ds.query(
      `INSERT INTO offers (id, referral_id, target_institution_id, target_bed_id, state, rank, created_at) VALUES ($1, $2, $3, $4, 'ACCEPTED', 1, now())`,
      [id, referralId, institutionId, bedId],
    );
    return id;
  }
  const hold = (referralId: string, offerId: string, institutionId: string, bedId: string, state = 'HELD') =>
    e.ds.query(
      `INSERT INTO reservations (id, referral_id, offer_id, institution_id, bed_id, state, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, now() + interval '1 hour', now())`,
      [randomUUID(), referralId, offerId, institutionId, bedId, state],
    );

  it('reservations_one_live_per_bed: a second HELD reservation of one bed → 23505 → BED_ALREADY_RESERVED', async () => {
    const bed = d.cc1Beds[0];
    const a = await draft();
    const b = await draft();
    await hold(a.referralId, await offer(a.referralId, d.cc1, bed), d.cc1, bed);
    const offerB = await offer(b.referralId, d.cc1, bed);
    // an ended reservation of the same bed is no conflict: the index is partial on HELD
    await hold(b.referralId, offerB, d.cc1, bed, 'RELEASED');
    const f = await refusal(hold(b.referralId, offerB, d.cc1, bed));
    expect(f).toMatchObject({ code: '23505', constraint: 'reservations_one_live_per_bed' });
    expect(domainCode(f.error)).toBe('BED_ALREADY_RESERVED');
    expect((await e.ds.query(`SELECT count(*)::int AS n FROM reservations WHERE bed_id = $1 AND state = 'HELD'`, [bed]))[0].n).toBe(1);
  });

  it('referrals_one_live_per_patient: a second live referral of one patient → 23505 → PATIENT_HAS_LIVE_REFERRAL', async () => {
    const a = await draft();
    // terminal referrals of the same patient are allowed (the index is partial)
    await copyReferral(a.referralId, 'CANCELLED');
    await copyReferral(a.referralId, 'COMPLETED');
    const f = await refusal(copyReferral(a.referralId));
    expect(f).toMatchObject({ code: '23505', constraint: 'referrals_one_live_per_patient' });
    expect(domainCode(f.error)).toBe('PATIENT_HAS_LIVE_REFERRAL');
    for (const live of ['SUBMITTED', 'OFFERED', 'ACCEPTED', 'ESCALATED', 'IN_TRANSFER']) {
      expect(await refusal(copyReferral(a.referralId, live))).toMatchObject({ code: '23505', constraint: 'referrals_one_live_per_patient' });
    }
  });

  it('beds_one_bed_per_occupant: one patient in two beds → 23505 → BED_NOT_AVAILABLE', async () => {
    const p = await d.patient();
    await e.ds.query(`UPDATE beds SET status = 'O', occupant_patient_id = $2 WHERE id = $1`, [d.careBeds[0], p]);
    const f = await refusal(e.ds.query(`UPDATE beds SET status = 'O', occupant_patient_id = $2 WHERE id = $1`, [d.careBeds[1], p]));
    expect(f).toMatchObject({ code: '23505', constraint: 'beds_one_bed_per_occupant' });
    expect(domainCode(f.error)).toBe('BED_NOT_AVAILABLE');
    await e.ds.query(`UPDATE beds SET status = 'U', occupant_patient_id = NULL WHERE id = $1`, [d.careBeds[0]]);
  });

  it('beds CHECK: occupied ⇔ has an occupant; refused with 23514 and left untranslated (a code bug, not a lost race: 500)', async () => {
    const bed = d.cc2Beds[0];
    const p = await d.patient();
    const occupiedEmpty = await refusal(e.ds.query(`UPDATE beds SET status = 'O' WHERE id = $1`, [bed]));
    expect(occupiedEmpty).toMatchObject({ code: '23514', constraint: 'beds_check' });
    const freeWithOccupant = await refusal(e.ds.query(`UPDATE beds SET occupant_patient_id = $2 WHERE id = $1`, [bed, p]));
    expect(freeWithOccupant).toMatchObject({ code: '23514', constraint: 'beds_check' });
    expect(domainCode(occupiedEmpty.error)).toBeNull();
    // a half return hold (patient without an end) is refused the same way
    expect(await refusal(e.ds.query(`UPDATE beds SET return_hold_patient_id = $2 WHERE id = $1`, [bed, p]))).toMatchObject({
      code: '23514',
      constraint: 'beds_return_hold_complete',
    });
  });

  it('beds_one_return_hold_per_patient: one patient holding two beds → 23505', async () => {
    const p = await d.patient();
    await e.ds.query(`UPDATE beds SET return_hold_patient_id = $2, return_hold_until = now() + interval '1 day' WHERE id = $1`, [d.hospitalBeds[0], p]);
    const f = await refusal(
      e.ds.query(`UPDATE beds SET return_hold_patient_id = $2, return_hold_until = now() + interval '1 day' WHERE id = $1`, [d.hospitalBeds[1], p]),
    );
    expect(f).toMatchObject({ code: '23505', constraint: 'beds_one_return_hold_per_patient' });
    await e.ds.query(`UPDATE beds SET return_hold_patient_id = NULL, return_hold_until = NULL WHERE id = $1`, [d.hospitalBeds[0]]);
  });

  it('enrolments_one_active_per_patient_kind: a patient on two home programmes of one kind at once → 23505', async () => {
    const a = await draft();
    const prog = async (name: string) => {
      const id = randomUUID();
      await e.ds.query(`INSERT INTO home_programmes (id, institution_id, district_id, kind, name, capacity) VALUES ($1, $2, $3, 'HOME_CARE', $4, 5)`, [
        id,
        d.cc1,
        d.district,
        name,
      ]);
      return id;
    };
    const [p1, p2] = [await prog(`backstop-${randomUUID()}`), await prog(`backstop-${randomUUID()}`)];
    const enrol = (programmeId: string, endedAt: Date | null = null) =>
      e.ds.query(
        `INSERT INTO enrolments (id, programme_id, patient_id, referral_id, started_at, ended_at, kind) VALUES ($1, $2, $3, $4, now(), $5, 'HOME_CARE')`,
        [randomUUID(), programmeId, a.patientId, a.referralId, endedAt],
      );
    await enrol(p1, new Date()); // an ended enrolment does not count
    await enrol(p1);
    expect(await refusal(enrol(p2))).toMatchObject({ code: '23505', constraint: 'enrolments_one_active_per_patient_kind' });
  });

  it('audit_log, audit_checkpoints and their heads are append-only even for the superuser: UPDATE, DELETE, TRUNCATE → the trigger refuses', async () => {
    expect((await e.ds.query(`SELECT count(*)::int AS n FROM audit_log`))[0].n).toBeGreaterThan(0);
    const [{ id }] = await e.ds.query(
      `INSERT INTO audit_checkpoints (created_at, covering_seq, chains, digest, prev_signature, key_id, signature) VALUES (now(), 0, 1, 'x', NULL, 'k', 's') RETURNING id`,
    );
    await e.ds.query(
      `INSERT INTO audit_checkpoint_heads (checkpoint_id, aggregate_id, aggregate_type, aggregate_seq, hash) VALUES ($1, gen_random_uuid(), 'Bed', 1, 'h')`,
      [id],
    );
    // one trigger function guards both tables (its message names audit_log)
    const appendOnly = (op: string) => ({ code: '42501', message: expect.stringContaining(`append-only: ${op} refused`) });
    for (const [table, col] of [
      ['audit_log', 'reason'],
      ['audit_checkpoints', 'chains'],
      ['audit_checkpoint_heads', 'hash'],
    ]) {
      expect(await refusal(e.ds.query(`UPDATE ${table} SET ${col} = ${col}`))).toMatchObject(appendOnly('UPDATE'));
      expect(await refusal(e.ds.query(`DELETE FROM ${table}`))).toMatchObject(appendOnly('DELETE'));
      expect(await refusal(e.ds.query(`TRUNCATE ${table}`))).toMatchObject(appendOnly('TRUNCATE'));
    }
  });

  it('the version guard: a flush over a row another writer changed after the load → VERSION_CONFLICT, nothing written', async () => {
    const uow = new TypeOrmUnitOfWork(e.ds, new PiiCipher(e.cfg.PII_KEY));
    const bedId = d.cc1Beds[2];
    const before = (await e.ds.query(`SELECT status, version, chain_seq FROM beds WHERE id = $1`, [bedId]))[0];
    const audits = async () => (await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1`, [bedId]))[0].n;
    const auditsBefore = await audits();
    const ctx = {
      commandId: randomUUID(),
      commandType: 'OperateBed',
      actor: { userId: 'backstop', role: 'COMMUNITY_COORDINATOR' as const, institutionId: d.cc1 },
      correlationId: randomUUID(),
      causationId: null,
      now: new Date(),
    };
    const err = await uow
      .run(ctx, async (tx) => {
        const bed: Bed = await tx.getBed(bedId);
        bed.operate('Close', ctx.now, 'backstop');
        // another writer's commit between this load and the flush, on the transaction's own
        // connection (the row lock this load took would make a second connection wait)
        await (tx as unknown as { qr: { query(s: string, p: unknown[]): Promise<unknown> } }).qr.query(`UPDATE beds SET version = version + 1 WHERE id = $1`, [
          bedId,
        ]);
        return { ok: true };
      })
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('VERSION_CONFLICT');
    expect((await e.ds.query(`SELECT status, version, chain_seq FROM beds WHERE id = $1`, [bedId]))[0]).toEqual(before);
    expect(await audits()).toBe(auditsBefore);
    // the same flush without the interleaved write goes through (the harness itself is sound)
    await uow.run({ ...ctx, commandId: randomUUID() }, async (tx) => {
      (await tx.getBed(bedId)).operate('Close', ctx.now, 'backstop');
      return { ok: true };
    });
    expect((await e.ds.query(`SELECT status, version FROM beds WHERE id = $1`, [bedId]))[0]).toEqual({ status: 'C', version: before.version + 1 });
  });
});

describe('Backstops: the audit verifier names each kind of break (full walk and incremental after a checkpoint)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const k = generateKeyPairSync('ed25519');
  const pem = { priv: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() };

  beforeAll(async () => {
    e = await startEngine({ env: { AUDIT_SIGNING_KEY: pem.priv, AUDIT_VERIFY_KEY: pem.pub } });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  /**
   * A bed with a chain of three records (registered, closed, reopened), a signed checkpoint taken
   * after the first, so the incremental verifier walks records 2 and 3 from the signed head.
   */
  async function chain(label: string): Promise<{ id: string; rows: { seq: string; aggregate_seq: number }[] }> {
    const id = (await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Audit', label, services: [] }), 'bed')).bedId as string;
    await writeAuditCheckpoint(e.ds, auditKeys(e.cfg).signingKey!);
    for (const command of ['Close', 'Reopen']) await ok(d.cc1c.post(`/beds/${id}/status`, { command, reason: 'audit test' }), command);
    const rows = await e.ds.query(`SELECT seq::text, aggregate_seq FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [id]);
    expect(rows).toHaveLength(3);
    await expectBoth(id, { ok: true });
    return { id, rows };
  }
  /** Both verifiers on the same trail: the full walk of the one chain, and the default (incremental) check. */
  async function expectBoth(id: string, expected: Record<string, unknown>): Promise<void> {
    expect(await verifyAuditChains(e.ds, { aggregateId: id })).toMatchObject(expected);
    const inc = await verifyAudit(e.ds, { verifyKey: auditKeys(e.cfg).verifyKey });
    expect(inc.mode).toBe('incremental');
    expect(inc).toMatchObject(expected);
  }
  /** A change made with full database access (trigger off), undone afterwards so the next test starts from a sound trail. */
  async function tampered(id: string, change: [string, unknown[]], undo: [string, unknown[]], expected: Record<string, unknown>): Promise<void> {
    const sudo = async ([sql, params]: [string, unknown[]]) => {
      await e.ds.query(`ALTER TABLE audit_log DISABLE TRIGGER USER`);
      try {
        await e.ds.query(sql, params);
      } finally {
        await e.ds.query(`ALTER TABLE audit_log ENABLE TRIGGER USER`);
      }
    };
    const saved = await e.ds.query(`SELECT * FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [id]);
    await sudo(change);
    try {
      await expectBoth(id, expected);
    } finally {
      await sudo(undo);
    }
    expect(await e.ds.query(`SELECT * FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [id])).toEqual(saved);
    await expectBoth(id, { ok: true });
  }
  const reinsert = (seq: string): [string, unknown[]] => [`INSERT INTO audit_log SELECT * FROM audit_log_saved WHERE seq = $1`, [seq]];

  beforeEach(async () => {
    await e.ds.query(`CREATE TABLE IF NOT EXISTS audit_log_saved AS SELECT * FROM audit_log WITH NO DATA`);
  });
  async function save(seq: string): Promise<void> {
    await e.ds.query(`INSERT INTO audit_log_saved SELECT * FROM audit_log WHERE seq = $1`, [seq]);
  }

  it('a record removed from the middle of a chain → SEQUENCE_GAP at the record after it', async () => {
    const c = await chain('gap');
    await save(c.rows[1].seq);
    await tampered(c.id, [`DELETE FROM audit_log WHERE seq = $1`, [c.rows[1].seq]], reinsert(c.rows[1].seq), {
      ok: false,
      firstBreak: { problem: 'SEQUENCE_GAP', aggregateId: c.id, aggregateSeq: 3, seq: c.rows[2].seq },
    });
  });

  it('a record pointing at another predecessor → BROKEN_LINK', async () => {
    const c = await chain('link');
    const [{ prev_hash }] = await e.ds.query(`SELECT prev_hash FROM audit_log WHERE seq = $1`, [c.rows[2].seq]);
    await tampered(
      c.id,
      [`UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq = $2) WHERE seq = $1`, [c.rows[2].seq, c.rows[0].seq]],
      [`UPDATE audit_log SET prev_hash = $2 WHERE seq = $1`, [c.rows[2].seq, prev_hash]],
      { ok: false, firstBreak: { problem: 'BROKEN_LINK', aggregateId: c.id, aggregateSeq: 3, seq: c.rows[2].seq } },
    );
  });

  it('the tail of a chain removed (the rest still links) → HEAD_MISMATCH against the head on the bed row', async () => {
    const c = await chain('head');
    await save(c.rows[2].seq);
    await tampered(c.id, [`DELETE FROM audit_log WHERE seq = $1`, [c.rows[2].seq]], reinsert(c.rows[2].seq), {
      ok: false,
      firstBreak: { problem: 'HEAD_MISMATCH', aggregateType: 'Bed', aggregateId: c.id, aggregateSeq: 3 },
    });
  });
});
