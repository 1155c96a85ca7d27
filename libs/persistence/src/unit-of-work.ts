import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { CommandContext, Tx, UnitOfWork } from '@bedlink/application';
import { Agreement, AgreementProps, ApiKey, auditHash, Bed, CareRelationshipKind, DistrictPolicy, DomainError, DomainEvent, GENESIS_HASH, Institution, notFound, Patient, Programme, Referral, SuppliedRecord, URGENCY_PRIORITY, Urgency, WebhookSubscription } from '@bedlink/domain';
import { rowToAgreementProps, rowToBed, rowToInstitution, rowToPatient, rowToProgramme, rowToReferral } from './mappers';
import { PiiCipher } from './pii-cipher';
import { PatientInvolvement, patientInvolvement } from './patient-involvement';
import { RETRYABLE_SQLSTATES, sqlState, translatePgError } from './pg-errors';

type Aggregate = Referral | Bed | Institution | Patient | DistrictPolicy | Programme | Agreement | ApiKey | WebhookSubscription;
interface Tracked {
  aggregate: Aggregate;
  isNew: boolean;
  chainSeq: number;
  chainHash: string;
  /** Child rows as loaded, to write back only what changed. */
  snapshot?: Map<string, string>;
}

export const PII_CIPHER = Symbol('PII_CIPHER');

/** Thrown inside the transaction when the command's idempotency key was already executed. */
export class AlreadyExecuted extends Error {
  constructor(readonly commandId: string) {
    super(`command ${commandId} already executed`);
  }
}

const MAX_ATTEMPTS = 4;

@Injectable()
export class TypeOrmUnitOfWork implements UnitOfWork {
  private readonly log = new Logger('UnitOfWork');
  constructor(
    private readonly ds: DataSource,
    @Inject(PII_CIPHER) private readonly cipher: PiiCipher,
  ) {}

  async run<T extends object>(ctx: CommandContext, work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const qr = this.ds.createQueryRunner();
      try {
        await qr.connect();
        // READ COMMITTED is Postgres' default: naming it costs a SET TRANSACTION round trip per command.
        await qr.startTransaction();
        const tx = new PgTx(qr, this.cipher);
        const result = await work(tx);
        await tx.flush(ctx, result);
        await qr.commitTransaction();
        return result;
      } catch (e) {
        if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
        const state = sqlState(e);
        // Two first registrations of one resident ID raced: run again, the loser then finds the patient
        // and gets a care relationship, like any later registrant (no 409 that would reveal the person).
        const lostRegistration = state === '23505' && (e as { driverError?: { constraint?: string } }).driverError?.constraint?.startsWith('patients_resident_id_hash');
        if (state && (RETRYABLE_SQLSTATES.has(state) || lostRegistration) && attempt < MAX_ATTEMPTS) {
          this.log.warn(`${ctx.commandType} ${ctx.commandId}: ${state}, retrying (${attempt})`);
          await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
          continue;
        }
        if (state === '23505' && (e as { constraint?: string; driverError?: { constraint?: string } }).driverError?.constraint === 'command_log_pkey') {
          throw new AlreadyExecuted(ctx.commandId);
        }
        throw translatePgError(e);
      } finally {
        await qr.release();
      }
    }
  }
}

class PgTx implements Tx {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly qr: QueryRunner,
    private readonly cipher: PiiCipher,
  ) {}

  private q(sql: string, params: unknown[] = []): Promise<any[]> {
    return this.qr.query(sql, params);
  }

  private already<T extends Aggregate>(id: string): T | undefined {
    return this.tracked.get(id)?.aggregate as T | undefined;
  }

  async getReferral(id: string): Promise<Referral> {
    const hit = this.already<Referral>(id);
    if (hit) return hit;
    // Lock the root first, read its children in a second statement. In one statement
    // (`... FOR UPDATE OF r` with child sub-selects) READ COMMITTED re-checks only the locked row
    // after a lock wait: the sub-selects keep the statement's old snapshot, so a command that
    // waited behind another saw the new referral with the OLD offers (three concurrent declines
    // left an OFFERED referral with no live offer). The second statement takes a fresh snapshot
    // after the lock is granted; one extra round trip per command, the price of a correct read.
    const rows = await this.q(`SELECT * FROM referrals WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows.length) throw notFound('REFERRAL_NOT_FOUND', 'referral', id);
    const [children] = await this.q(
      `SELECT (SELECT coalesce(json_agg(o ORDER BY o.rank), '[]') FROM offers o WHERE o.referral_id = $1) AS offers,
              (SELECT coalesce(json_agg(x ORDER BY x.created_at), '[]') FROM reservations x WHERE x.referral_id = $1) AS reservations`,
      [id],
    );
    const referral = rowToReferral({ ...rows[0], ...children });
    const snapshot = new Map<string, string>();
    for (const o of referral.props.offers) snapshot.set(o.id, JSON.stringify(o));
    for (const x of referral.props.reservations) snapshot.set(x.id, JSON.stringify(x));
    this.tracked.set(id, { aggregate: referral, isNew: false, chainSeq: rows[0].chain_seq, chainHash: rows[0].chain_hash ?? GENESIS_HASH, snapshot });
    return referral;
  }

  async getBed(id: string): Promise<Bed> {
    const hit = this.already<Bed>(id);
    if (hit) return hit;
    // Same rule as getReferral: lock the bed, then look for its live reservation in a fresh
    // statement, or a command that waited on the bed sees the hold it waited for as absent.
    const rows = await this.q(`SELECT * FROM beds WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows.length) throw notFound('BED_NOT_FOUND', 'bed', id);
    const [live] = await this.q(`SELECT id FROM reservations WHERE bed_id = $1 AND state = 'HELD' LIMIT 1`, [id]);
    const bed = rowToBed({ ...rows[0], live_reservation_id: live?.id ?? null });
    this.tracked.set(id, { aggregate: bed, isNew: false, chainSeq: rows[0].chain_seq, chainHash: rows[0].chain_hash ?? GENESIS_HASH });
    return bed;
  }

  async getInstitution(id: string): Promise<Institution> {
    const hit = this.already<Institution>(id);
    if (hit) return hit;
    const rows = await this.q(`SELECT * FROM institutions WHERE id = $1`, [id]);
    if (!rows.length) throw notFound('INSTITUTION_NOT_FOUND', 'institution', id);
    const inst = rowToInstitution(rows[0]);
    this.tracked.set(id, { aggregate: inst, isNew: false, chainSeq: rows[0].chain_seq, chainHash: rows[0].chain_hash ?? GENESIS_HASH });
    return inst;
  }

  async getPatient(id: string): Promise<Patient> {
    const hit = this.already<Patient>(id);
    if (hit) return hit;
    const rows = await this.q(`SELECT * FROM patients WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows.length) throw notFound('PATIENT_NOT_FOUND', 'patient', id);
    const p = rowToPatient(rows[0], this.cipher);
    this.tracked.set(id, { aggregate: p, isNew: false, chainSeq: rows[0].chain_seq, chainHash: rows[0].chain_hash ?? GENESIS_HASH });
    return p;
  }

  async findPatientLiveReferral(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM referrals WHERE patient_id = $1 AND state NOT IN ('COMPLETED','FAILED','CANCELLED','REJECTED') LIMIT 1`, [patientId]);
    return rows[0]?.id ?? null;
  }

  async findOccupiedBed(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM beds WHERE occupant_patient_id = $1`, [patientId]);
    return rows[0]?.id ?? null;
  }

  /**
   * Home-programme capacity is a count, not a row, so no unique index can guard it. We lock the
   * programme row (FOR UPDATE) and count live reservations + active enrolments after the lock is
   * granted: every accept/admission into the programme takes the same lock, so they run one at a
   * time per programme, and under READ COMMITTED each statement after the lock sees what the
   * previous holder committed. The count is therefore exact when the domain compares it with
   * capacity. (A counter column would need the same lock; SERIALIZABLE would turn the race into
   * retries of the whole command under load instead of a short queue on one row.)
   * Lock order is referral -> programme everywhere, so two accepts cannot deadlock.
   */
  async getProgramme(id: string): Promise<Programme> {
    const hit = this.already<Programme>(id);
    if (hit) return hit;
    const rows = await this.q(`SELECT * FROM home_programmes WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows.length) throw notFound('PROGRAMME_NOT_FOUND', 'home programme', id);
    const [held] = await this.q(`SELECT count(*)::int AS n FROM reservations WHERE programme_id = $1 AND state = 'HELD'`, [id]);
    const enrolments = await this.q(`SELECT * FROM enrolments WHERE programme_id = $1 AND ended_at IS NULL ORDER BY started_at`, [id]);
    const prog = rowToProgramme({ ...rows[0], live_reservations: held.n }, enrolments);
    this.tracked.set(id, { aggregate: prog, isNew: false, chainSeq: rows[0].chain_seq, chainHash: rows[0].chain_hash ?? GENESIS_HASH });
    return prog;
  }

  async findActiveEnrolment(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT programme_id FROM enrolments WHERE patient_id = $1 AND ended_at IS NULL`, [patientId]);
    return rows[0]?.programme_id ?? null;
  }

  async findAgreements(fromInstitutionId: string, toInstitutionIds: string[]): Promise<AgreementProps[]> {
    if (!toInstitutionIds.length) return [];
    const rows = await this.q(`SELECT * FROM cooperation_agreements WHERE from_institution_id = $1 AND to_institution_id = ANY($2::uuid[])`, [fromInstitutionId, toInstitutionIds]);
    return rows.map(rowToAgreementProps);
  }

  async getDistrictPolicy(districtId: string): Promise<DistrictPolicy | null> {
    const rows = await this.q(`SELECT * FROM district_policies WHERE district_id = $1 FOR UPDATE`, [districtId]);
    if (!rows.length) return null;
    const hit = this.already<DistrictPolicy>(rows[0].id);
    if (hit) return hit;
    const pol = DistrictPolicy.rehydrate(rows[0].id, rows[0].document, rows[0].version);
    this.tracked.set(pol.id, { aggregate: pol, isNew: false, chainSeq: rows[0].chain_seq, chainHash: rows[0].chain_hash ?? GENESIS_HASH });
    return pol;
  }

  async findReturnHoldBed(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM beds WHERE return_hold_patient_id = $1`, [patientId]);
    return rows[0]?.id ?? null;
  }

  async findFreeBeds(districtId: string, kinds: readonly string[], limit: number) {
    const rows = await this.q(
      `SELECT b.id, b.institution_id, b.kind, b.services, b.sex_restriction, b.min_care_level, b.max_care_level
         FROM beds b
        WHERE b.district_id = $1 AND b.kind = ANY($2::text[]) AND b.status = 'U' AND b.return_hold_patient_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM reservations x WHERE x.bed_id = b.id AND x.state = 'HELD')
        ORDER BY b.institution_id, b.ward, b.label LIMIT $3`,
      [districtId, kinds, limit],
    );
    return rows.map((b: any) => ({ id: b.id, institutionId: b.institution_id, kind: b.kind, services: b.services, sexRestriction: b.sex_restriction, minCareLevel: b.min_care_level, maxCareLevel: b.max_care_level }));
  }

  async findPatientByResidentId(residentId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM patients WHERE resident_id_hash = $1`, [this.cipher.blindIndex(residentId)]);
    return rows[0]?.id ?? null;
  }

  patientInvolvement(patientId: string): Promise<PatientInvolvement> {
    return patientInvolvement((sql, params) => this.q(sql, params), patientId);
  }

  async getApiKey(id: string): Promise<ApiKey> {
    const hit = this.already<ApiKey>(id);
    if (hit) return hit;
    const rows = await this.q(`SELECT * FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows.length) throw notFound('NOT_FOUND', 'API key', id);
    const r = rows[0];
    const key = ApiKey.rehydrate(
      { id: r.id, prefix: r.prefix, keyHash: r.key_hash, label: r.label, role: r.role, institutionId: r.institution_id, districtId: r.district_id, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, revokedBy: r.revoked_by },
      r.version,
    );
    this.tracked.set(id, { aggregate: key, isNew: false, chainSeq: r.chain_seq, chainHash: r.chain_hash ?? GENESIS_HASH });
    return key;
  }

  async getWebhookSubscription(id: string): Promise<WebhookSubscription> {
    const hit = this.already<WebhookSubscription>(id);
    if (hit) return hit;
    const rows = await this.q(`SELECT * FROM webhook_subscriptions WHERE id = $1 AND active FOR UPDATE`, [id]);
    if (!rows.length) throw notFound('NOT_FOUND', 'webhook subscription', id);
    const r = rows[0];
    const sub = WebhookSubscription.rehydrate(
      { id: r.id, institutionId: r.institution_id, url: r.url, eventTypes: r.event_types, description: r.description, secretEnc: r.secret_enc, createdBy: r.created_by, active: r.active },
      r.version,
    );
    this.tracked.set(id, { aggregate: sub, isNew: false, chainSeq: r.chain_seq, chainHash: r.chain_hash ?? GENESIS_HASH });
    return sub;
  }

  async careRelationshipsOf(patientId: string, institutionId: string): Promise<{ kinds: CareRelationshipKind[]; supplied: SuppliedRecord | null }> {
    const rows: { kind: CareRelationshipKind; supplied_enc: string | null }[] = await this.q(
      `SELECT kind, supplied_enc FROM care_relationships WHERE patient_id = $1 AND institution_id = $2 AND ended_at IS NULL ORDER BY since`,
      [patientId, institutionId],
    );
    const enc = rows.find((r) => r.supplied_enc)?.supplied_enc;
    return { kinds: rows.map((r) => r.kind), supplied: enc ? (JSON.parse(this.cipher.decrypt(enc)) as SuppliedRecord) : null };
  }

  add(aggregate: Aggregate): void {
    this.tracked.set(aggregate.id, { aggregate, isNew: true, chainSeq: 0, chainHash: GENESIS_HASH });
  }

  /** Writes state, audit, outbox and the command result: the tail of the one transaction. */
  async flush(ctx: CommandContext, result: object): Promise<void> {
    const audit: unknown[][] = [];
    const events: { e: DomainEvent; seq: number; priority: number }[] = [];
    for (const t of this.tracked.values()) {
      const evs = t.aggregate.pullEvents();
      if (!evs.length && !t.isNew) continue;
      let { chainSeq, chainHash } = t;
      const priority = t.aggregate instanceof Referral ? URGENCY_PRIORITY[t.aggregate.props.urgency as Urgency] : 3;
      for (const e of evs) {
        chainSeq += 1;
        const rec = {
          aggregateType: e.aggregateType,
          aggregateId: e.aggregateId,
          aggregateSeq: chainSeq,
          eventId: e.id,
          eventType: e.type,
          payload: e.payload,
          actorUser: ctx.actor.userId,
          actorRole: ctx.actor.role,
          actorInstitution: ctx.actor.institutionId ?? ctx.actor.districtId ?? null,
          reason: e.reason ?? null,
          correlationId: ctx.correlationId,
          causationId: ctx.causationId,
          occurredAt: e.occurredAt,
          prevHash: chainHash,
        };
        chainHash = auditHash(rec);
        audit.push([rec.aggregateType, rec.aggregateId, rec.aggregateSeq, rec.eventId, rec.eventType, JSON.stringify(rec.payload), rec.actorUser, rec.actorRole, rec.actorInstitution, rec.reason, rec.correlationId, rec.causationId, rec.occurredAt, rec.prevHash, chainHash]);
        if (ctx.logResult !== false) events.push({ e, seq: chainSeq, priority });
      }
      await this.saveAggregate(t, chainSeq, chainSeq === t.chainSeq ? null : chainHash, ctx.now);
    }
    await this.appendAuditOutboxAndResult(ctx, audit, events, result);
  }

  private async saveAggregate(t: Tracked, chainSeq: number, chainHash: string | null, now: Date): Promise<void> {
    const a = t.aggregate;
    const hash = chainHash ?? (t.chainHash === GENESIS_HASH ? null : t.chainHash);
    if (a instanceof Referral) return this.saveReferral(a, t, chainSeq, hash);
    if (a instanceof Bed) {
      const p = a.props;
      if (t.isNew) {
        await this.q(
          `INSERT INTO beds (id, institution_id, district_id, kind, ward, label, status, occupant_patient_id, services, sex_restriction, min_care_level, max_care_level, isolation_capable, basic_guarantee, version, chain_seq, chain_hash, created_at, updated_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,1,$15,$16,$17,$17)`,
          [p.id, p.institutionId, p.districtId, p.kind, p.ward, p.label, p.status, p.occupantPatientId, p.services, p.sexRestriction, p.minCareLevel, p.maxCareLevel, p.isolationCapable, p.basicGuarantee ?? false, chainSeq, hash, now],
        );
      } else {
        await this.versioned(
          `UPDATE beds SET status=$3, occupant_patient_id=$4, version=version+1, chain_seq=$5, chain_hash=$6, updated_at=$7, return_hold_patient_id=$8, return_hold_until=$9 WHERE id=$1 AND version=$2`,
          [p.id, a.version, p.status, p.occupantPatientId, chainSeq, hash, now, p.returnHold?.patientId ?? null, p.returnHold?.until ?? null],
          p.id,
        );
      }
      return;
    }
    if (a instanceof DistrictPolicy) {
      const doc = JSON.stringify(a.document);
      if (t.isNew) {
        await this.q(`INSERT INTO district_policies (id, district_id, document, version, chain_seq, chain_hash, created_at, updated_at) VALUES ($1,$2,$3,1,$4,$5,$6,$6)`, [a.id, a.document.districtId, doc, chainSeq, hash, now]);
      } else {
        await this.versioned(`UPDATE district_policies SET document=$3, version=version+1, chain_seq=$4, chain_hash=$5, updated_at=$6 WHERE id=$1 AND version=$2`, [a.id, a.version, doc, chainSeq, hash, now], a.id);
      }
      return;
    }
    if (a instanceof Programme) return this.saveProgramme(a, t, chainSeq, hash, now);
    if (a instanceof ApiKey) {
      const p = a.props;
      if (t.isNew) {
        await this.q(
          `INSERT INTO api_keys (id, prefix, key_hash, label, role, institution_id, district_id, created_by, created_at, expires_at, version, chain_seq, chain_hash)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,1,$11,$12)`,
          [p.id, p.prefix, p.keyHash, p.label, p.role, p.institutionId, p.districtId, p.createdBy, p.createdAt, p.expiresAt, chainSeq, hash],
        );
      } else {
        await this.versioned(`UPDATE api_keys SET revoked_at=$3, revoked_by=$4, version=version+1, chain_seq=$5, chain_hash=$6 WHERE id=$1 AND version=$2`, [p.id, a.version, p.revokedAt, p.revokedBy, chainSeq, hash], p.id);
      }
      return;
    }
    if (a instanceof WebhookSubscription) {
      const p = a.props;
      if (t.isNew) {
        await this.q(
          `INSERT INTO webhook_subscriptions (id, institution_id, url, event_types, description, secret_enc, created_by, created_at, version, chain_seq, chain_hash)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,1,$9,$10)`,
          [p.id, p.institutionId, p.url, p.eventTypes, p.description, p.secretEnc, p.createdBy, now, chainSeq, hash],
        );
      } else {
        await this.versioned(
          `UPDATE webhook_subscriptions SET active=$3, deleted_at=CASE WHEN $3 THEN NULL ELSE $4::timestamptz END, version=version+1, chain_seq=$5, chain_hash=$6 WHERE id=$1 AND version=$2`,
          [p.id, a.version, p.active, now, chainSeq, hash],
          p.id,
        );
      }
      return;
    }
    if (a instanceof Agreement) {
      const p = a.props;
      if (!t.isNew) return; // agreements are added, never changed in place
      await this.q(
        `INSERT INTO cooperation_agreements (id, district_id, from_institution_id, to_institution_id, kinds, directions, version, chain_seq, chain_hash, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,1,$7,$8,$9,$9)`,
        [p.id, p.districtId, p.fromInstitutionId, p.toInstitutionId, p.kinds, p.directions, chainSeq, hash, now],
      );
      return;
    }
    if (a instanceof Institution) {
      const p = a.props;
      if (!t.isNew) return; // institutions change through registry commands added with the registry
      await this.q(
        `INSERT INTO institutions (id, code, name, type, district_id, address, lat, lng, services, version, chain_seq, chain_hash, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,1,$10,$11,$12,$12)`,
        [p.id, p.code, p.name, p.type, p.districtId, p.address, p.lat, p.lng, p.services, chainSeq, hash, now],
      );
      return;
    }
    const p = a.props;
    if (t.isNew) {
      await this.q(
        `INSERT INTO patients (id, resident_id_hash, resident_id_enc, name_enc, phone_enc, sex, birth_date, registered_by_institution, assessment, hardship, family_doctor_institution_id, version, chain_seq, chain_hash, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$14,1,$11,$12,$13,$13)`,
        [p.id, this.cipher.blindIndex(p.residentId), this.cipher.encrypt(p.residentId), this.cipher.encrypt(p.name), p.phone ? this.cipher.encrypt(p.phone) : null, p.sex, p.birthDate, p.registeredBy, p.assessment ? JSON.stringify(p.assessment) : null, p.hardship, chainSeq, hash, now, p.familyDoctorInstitutionId ?? null],
      );
    } else {
      await this.versioned(`UPDATE patients SET assessment=$3, hardship=$4, version=version+1, chain_seq=$5, chain_hash=$6, updated_at=$7 WHERE id=$1 AND version=$2`, [p.id, a.version, p.assessment ? JSON.stringify(p.assessment) : null, p.hardship, chainSeq, hash, now], p.id);
    }
    // The patient's care relationships (master patient index): what the caller supplied is PII, encrypted like the rest.
    for (const rel of a.takeNewRelationships()) {
      await this.q(
        `INSERT INTO care_relationships (patient_id, institution_id, kind, shared_record, supplied_enc, since) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (patient_id, institution_id, kind) WHERE ended_at IS NULL DO NOTHING`,
        [p.id, rel.institutionId, rel.kind, rel.sharedRecord, rel.supplied ? this.cipher.encrypt(JSON.stringify(rel.supplied)) : null, now],
      );
    }
  }

  private async saveProgramme(a: Programme, t: Tracked, chainSeq: number, hash: string | null, now: Date): Promise<void> {
    const p = a.props;
    if (t.isNew) {
      await this.q(
        `INSERT INTO home_programmes (id, institution_id, district_id, kind, name, capacity, area_codes, radius_km, services, min_care_level, max_care_level, version, chain_seq, chain_hash, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,1,$12,$13,$14,$14)`,
        [p.id, p.institutionId, p.districtId, p.kind, p.name, p.capacity, p.serviceArea.areaCodes, p.serviceArea.radiusKm, p.services, p.minCareLevel, p.maxCareLevel, chainSeq, hash, now],
      );
    } else {
      await this.versioned(`UPDATE home_programmes SET capacity=$3, version=version+1, chain_seq=$4, chain_hash=$5, updated_at=$6 WHERE id=$1 AND version=$2`, [p.id, a.version, p.capacity, chainSeq, hash, now], p.id);
    }
    for (const e of p.enrolments) {
      await this.q(
        `INSERT INTO enrolments (id, programme_id, patient_id, referral_id, started_at, ended_at, ended_by_referral_id) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (id) DO UPDATE SET ended_at = EXCLUDED.ended_at, ended_by_referral_id = EXCLUDED.ended_by_referral_id`,
        [e.id, p.id, e.patientId, e.referralId, e.startedAt, e.endedAt, e.endedByReferralId],
      );
    }
  }

  private async saveReferral(r: Referral, t: Tracked, chainSeq: number, hash: string | null): Promise<void> {
    const p = r.props;
    if (t.isNew) {
      await this.q(
        `INSERT INTO referrals (id, patient_id, district_id, origin_institution_id, origin_bed_id, origin_kind, requested_kind, direction, services, urgency, strategy, fanout, clinical_summary, care_level, consent, expected_arrival, state, state_reason, candidates, candidate_cursor, created_by, version, chain_seq, chain_hash, created_at, updated_at, dispatch)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,1,$22,$23,$24,$25,$26)`,
        [p.id, p.patientId, p.districtId, p.originInstitutionId, p.originBedId, p.originKind, p.requestedKind, p.direction, p.services, p.urgency, p.strategy, p.fanout, p.clinicalSummary, p.careLevel, p.consent, p.expectedArrival, p.state, p.stateReason, JSON.stringify(p.candidates), p.candidateCursor, p.createdBy, chainSeq, hash, p.createdAt, p.updatedAt, p.dispatch ?? 'MANUAL'],
      );
    } else {
      await this.versioned(
        `UPDATE referrals SET state=$3, state_reason=$4, strategy=$5, candidates=$6, candidate_cursor=$7, version=version+1, chain_seq=$8, chain_hash=$9, updated_at=$10, care_level=$11 WHERE id=$1 AND version=$2`,
        [p.id, r.version, p.state, p.stateReason, p.strategy, JSON.stringify(p.candidates), p.candidateCursor, chainSeq, hash, p.updatedAt, p.careLevel],
        p.id,
      );
    }
    const changed = <X extends { id: string }>(xs: X[]) => xs.filter((x) => t.snapshot?.get(x.id) !== JSON.stringify(x));
    const offers = changed(p.offers);
    if (offers.length) {
      const flat: unknown[] = [];
      const tuples = offers.map((o, i) => {
        flat.push(o.id, p.id, o.targetInstitutionId, o.targetBedId, o.targetProgrammeId, o.state, o.rank, o.deadlineAt, o.createdAt, o.viewedAt, o.viewedBy, o.answeredAt, o.answeredBy, o.declineReason, o.declinedBy, o.declineText);
        return `(${Array.from({ length: 16 }, (_, k) => `$${i * 16 + k + 1}`).join(',')})`;
      });
      await this.q(
        `INSERT INTO offers (id, referral_id, target_institution_id, target_bed_id, target_programme_id, state, rank, deadline_at, created_at, viewed_at, viewed_by, answered_at, answered_by, decline_reason, declined_by, decline_text)
         VALUES ${tuples.join(',')}
         ON CONFLICT (id) DO UPDATE SET state=EXCLUDED.state, viewed_at=EXCLUDED.viewed_at, viewed_by=EXCLUDED.viewed_by, answered_at=EXCLUDED.answered_at,
           answered_by=EXCLUDED.answered_by, decline_reason=EXCLUDED.decline_reason, declined_by=EXCLUDED.declined_by, decline_text=EXCLUDED.decline_text, deadline_at=EXCLUDED.deadline_at`,
        flat,
      );
    }
    const res = changed(p.reservations);
    if (res.length) {
      const flat: unknown[] = [];
      const tuples = res.map((x, i) => {
        flat.push(x.id, p.id, x.offerId, x.institutionId, x.bedId, x.programmeId, x.state, x.expiresAt, x.createdAt, x.endedAt);
        return `(${Array.from({ length: 10 }, (_, k) => `$${i * 10 + k + 1}`).join(',')})`;
      });
      await this.q(
        `INSERT INTO reservations (id, referral_id, offer_id, institution_id, bed_id, programme_id, state, expires_at, created_at, ended_at)
         VALUES ${tuples.join(',')}
         ON CONFLICT (id) DO UPDATE SET state=EXCLUDED.state, ended_at=EXCLUDED.ended_at, expires_at=EXCLUDED.expires_at`,
        flat,
      );
    }
  }

  /** TypeORM's @VersionColumn does not guard save(): the check is written out here. */
  private async versioned(sql: string, params: unknown[], id: string): Promise<void> {
    const res = await this.qr.query(sql, params, true);
    if ((res as { affected?: number }).affected === 0) {
      throw new DomainError('VERSION_CONFLICT', `record ${id} was changed by someone else; reload and try again`, { id });
    }
  }

  private async appendAuditOutboxAndResult(ctx: CommandContext, audit: unknown[][], events: { e: DomainEvent; seq: number; priority: number }[], result: object): Promise<void> {
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const parts: string[] = [];
    if (audit.length) {
      const rows = audit.map((r) => `(${r.map((v) => p(v)).join(',')})`);
      parts.push(`a AS (INSERT INTO audit_log (aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, reason, correlation_id, causation_id, occurred_at, prev_hash, hash) VALUES ${rows.join(',')})`);
      const meta = (e: DomainEvent, seq: number) =>
        JSON.stringify({ actor: ctx.actor, correlationId: ctx.correlationId, causationId: ctx.causationId, commandId: ctx.commandId, occurredAt: e.occurredAt.toISOString(), aggregateSeq: seq, reason: e.reason ?? null });
      const orows = events.map(({ e, seq, priority }) => `(${[e.id, e.type, e.aggregateType, e.aggregateId, JSON.stringify(e.payload), meta(e, seq), priority].map((v) => p(v)).join(',')})`);
      if (orows.length) parts.push(`o AS (INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata, priority) VALUES ${orows.join(',')})`);
    }
    const head = parts.length ? `WITH ${parts.join(', ')} ` : '';
    // An audited read keeps its trail but is not a command: nothing to replay, nothing to publish.
    if (ctx.logResult === false) {
      await this.q(`${head}SELECT 1`, params);
      return;
    }
    await this.q(
      `${head}INSERT INTO command_log (id, command_type, actor_user, actor_institution, ok, result, correlation_id, fingerprint) VALUES (${p(ctx.commandId)}, ${p(ctx.commandType)}, ${p(ctx.actor.userId)}, ${p(ctx.actor.institutionId)}, true, ${p(JSON.stringify(result))}, ${p(ctx.correlationId)}, ${p(ctx.fingerprint ?? null)})`,
      params,
    );
  }
}
