import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { CommandContext, PatientWhereabouts, Tx, UnitOfWork } from '@bedlink/application';
import {
  AgreementProps,
  AggregateType,
  ApiKey,
  UserAccount,
  auditHash,
  Bed,
  CareRelationshipKind,
  DistrictPolicy,
  DomainEvent,
  GENESIS_HASH,
  Institution,
  notFound,
  Patient,
  Programme,
  Referral,
  ReferralMessage,
  SuppliedRecord,
  WebhookSubscription,
} from '@bedlink/domain';
import { adapterOf, ADAPTERS, Aggregate, AggregateOf, rowToAgreementProps, Save } from './aggregates';
import { updateParams, updateSql, valuesList } from './aggregates/table';
import { withActiveTx } from './active-tx';
import { PiiCipher } from './pii-cipher';
import { PatientInvolvement, patientInvolvement } from './patient-involvement';
import { canCork, Corkable, inOneWrite, stageMark } from '@bedlink/config';
import { constraintOf, isStalePlan, RETRYABLE_SQLSTATES, sqlState, translatePgError } from './pg-errors';
import { WriteBatch } from './write-batch';

interface Tracked {
  aggregate: Aggregate;
  isNew: boolean;
  /** Where the aggregate's audit chain stood when loaded. */
  chainSeq: number;
  chainHash: string;
  /** Child entities as loaded (JSON by id), to write back only what changed. */
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
      let client: PipelinedClient | undefined;
      let withBegin: BeginWithNext | undefined;
      // BEGIN sent, COMMIT or ROLLBACK not yet: the transaction is ours to end
      let open = false;
      try {
        client = (await qr.connect()) as PipelinedClient;
        // pg's pipeline mode, for this unit of work only: a statement is written without waiting for the
        // answer to the one before. BEGIN goes out with the first read, COMMIT behind the flush: two round
        // trips a command fewer, and each pair in one write (BeginWithNext, inOneWrite). Every statement is
        // still awaited before the next decision is made on it.
        client.pipeline = true;
        // READ COMMITTED is Postgres' default: naming it would cost a SET TRANSACTION per command.
        withBegin = new BeginWithNext(client);
        const begun = withBegin.begun;
        open = true;
        begun.catch(() => undefined); // its error is the first read's as well; awaited below
        const tx = new PgTx(qr, this.cipher);
        const result = await withActiveTx(qr.manager, () => work(tx));
        // BEGIN answered before anything is written; held back still (nothing was read), it goes with the flush
        if (!withBegin.pending) await begun;
        const last = await tx.flush(ctx, result);
        stageMark('commitStart');
        // The flush's last statement and COMMIT written together, in this order (pg's queue is synchronous),
        // in one write. When the statement fails (a constraint, the version guard), the COMMIT of the aborted
        // transaction rolls it back: its error is the answer.
        const { flushed, committed } = inOneWrite(client.connection?.stream, () => ({
          flushed: last ? client!.query(last.sql, last.params) : undefined,
          committed: client!.query('COMMIT'),
        }));
        open = false;
        const [b, f, c] = await Promise.allSettled([begun, flushed, committed]);
        if (b.status === 'rejected') throw b.reason; // (sent with the flush, a BEGIN refused is known only now)
        if (f.status === 'rejected') throw f.reason;
        if (c.status === 'rejected') throw c.reason;
        if (c.value.command !== 'COMMIT') throw new Error(`the transaction ended with ${c.value.command}, not COMMIT`);
        stageMark('committed');
        return result;
      } catch (e) {
        if (open && client) await client.query('ROLLBACK').catch(() => undefined);
        // (a ROLLBACK before any statement goes out with the BEGIN still held back, in one write)
        open = false;
        const state = sqlState(e);
        // Two first registrations of one resident ID raced: run again, the loser then finds the patient
        // and gets a care relationship, like any later registrant (no 409 that would reveal the person).
        const lostRegistration = state === '23505' && constraintOf(e)?.startsWith('patients_resident_id_hash');
        // a prepared statement that outlived a migration aborted the transaction: prepared anew on the retry
        if (state && (RETRYABLE_SQLSTATES.has(state) || lostRegistration || isStalePlan(e)) && attempt < MAX_ATTEMPTS) {
          this.log.warn(`${ctx.commandType} ${ctx.commandId}: ${state}, retrying (${attempt})`);
          await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
          continue;
        }
        if (state === '23505' && constraintOf(e) === 'command_log_pkey') throw new AlreadyExecuted(ctx.commandId);
        throw translatePgError(e);
      } finally {
        withBegin?.let();
        if (client) client.pipeline = false;
        await qr.release();
      }
    }
  }
}

/** The pool's pg client, whose pipeline mode the unit of work turns on while it holds it. */
type PipelinedClient = {
  pipeline: boolean;
  query(sql: string, params?: unknown[]): Promise<{ command: string; rows: unknown[] }>;
  /** pg's connection: its socket is corked to write several statements at once. */
  connection?: { stream?: Corkable };
};

/**
 * Queues BEGIN now and writes it with the next statement asked of the client, in one write. Sent alone,
 * BEGIN woke the backend to answer it, and the first read woke it again a moment later: on two cores each
 * wake-up could preempt the worker (its CPU profile spent a third of its samples in writev). Whatever
 * comes next, a read, the flush or a ROLLBACK, takes it along; the client's own query is back once it has.
 */
class BeginWithNext {
  readonly begun: Promise<unknown>;
  private held = false;

  constructor(private readonly client: PipelinedClient) {
    const stream = client.connection?.stream;
    if (!canCork(stream)) {
      this.begun = client.query('BEGIN');
      return;
    }
    stream.cork();
    this.held = true;
    this.begun = client.query('BEGIN');
    const own = client as unknown as Record<string, unknown>;
    own.query = (...a: unknown[]) => {
      delete own.query; // the prototype's again, for this statement and every later one
      try {
        return (client.query as (...x: unknown[]) => unknown).apply(client, a);
      } finally {
        this.let(); // BEGIN and this statement leave in one write
      }
    };
  }

  /** BEGIN is still held back: no statement has been asked for since. */
  get pending(): boolean {
    return this.held;
  }

  /**
   * The client's own query back and the socket uncorked: what is held goes out. Called again, it does
   * nothing; the unit of work calls it before it hands the client back to the pool.
   */
  let(): void {
    if (!this.held) return;
    this.held = false;
    delete (this.client as unknown as Record<string, unknown>).query;
    this.client.connection?.stream?.uncork?.();
  }
}

class PgTx implements Tx {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly qr: QueryRunner,
    private readonly cipher: PiiCipher,
  ) {}

  private q = (sql: string, params: unknown[] = []): Promise<any[]> => this.qr.query(sql, params);

  async databaseNow(): Promise<Date> {
    // statement time, not transaction start: the check is made after the aggregate's lock was granted
    return new Date((await this.q(`SELECT statement_timestamp() AS now`))[0].now);
  }

  /** The one tracked-state helper: an aggregate as loaded (its row's chain) or as added (a new chain). */
  private track(aggregate: Aggregate, row: { chain_seq: number; chain_hash: string | null } | null): void {
    const snapshot = row ? new Map((adapterOf(aggregate).childEntities?.(aggregate) ?? []).map((c) => [c.id, JSON.stringify(c)])) : undefined;
    this.tracked.set(aggregate.id, { aggregate, isNew: !row, chainSeq: row?.chain_seq ?? 0, chainHash: row?.chain_hash ?? GENESIS_HASH, snapshot });
  }

  /**
   * The one loader: the root row by `column` (locked unless the adapter says otherwise) with its children, in
   * one statement. In one plain statement (`... FOR UPDATE OF r` with child sub-selects) READ COMMITTED
   * re-checks only the locked row after a lock wait: the sub-selects keep the statement's old snapshot, so a
   * command that waited behind another saw the new referral with the OLD offers (three concurrent declines
   * left an OFFERED referral with no live offer). The children therefore come from the adapter's VOLATILE
   * function, called in the projection above the locking subquery: it runs once the lock is granted and its
   * statement takes a fresh snapshot (migration 1735300000001). The children used to be a second statement:
   * one round trip per aggregate load, on nearly every command.
   */
  private async load<K extends AggregateType>(type: K, key: string, column: 'id' | 'district_id' = 'id'): Promise<AggregateOf<K> | null> {
    const cached = column === 'id' ? this.tracked.get(key) : undefined;
    if (cached) return cached.aggregate as AggregateOf<K>;
    const adapter = ADAPTERS[type] as unknown as (typeof ADAPTERS)[AggregateType];
    const root = `SELECT * FROM ${adapter.table.name} WHERE ${column} = $1${adapter.where ? ` AND ${adapter.where}` : ''}${adapter.lock ? ' FOR UPDATE' : ''}`;
    const rows = await this.q(adapter.children ? `SELECT l.*, ${adapter.children}(l.id) AS bedlink_children FROM (${root}) l` : root, [key]);
    if (!rows.length) return null;
    const { bedlink_children: children, ...row } = rows[0] as Record<string, any>;
    const again = this.tracked.get(row.id);
    if (again) return again.aggregate as AggregateOf<K>;
    const aggregate = adapter.fromRow({ ...row, ...(children ?? {}) }, this.cipher) as AggregateOf<K>;
    this.track(aggregate, row as { chain_seq: number; chain_hash: string | null });
    return aggregate;
  }

  private async get<K extends AggregateType>(type: K, id: string): Promise<AggregateOf<K>> {
    const found = await this.load(type, id);
    if (!found) throw notFound(ADAPTERS[type].notFound.code, ADAPTERS[type].notFound.what, id);
    return found;
  }

  getReferral(id: string): Promise<Referral> {
    return this.get('Referral', id);
  }

  getBed(id: string): Promise<Bed> {
    return this.get('Bed', id);
  }

  getInstitution(id: string): Promise<Institution> {
    return this.get('Institution', id);
  }

  getPatient(id: string): Promise<Patient> {
    return this.get('Patient', id);
  }

  /** Locks the programme and counts its live reservations and active enrolments under the lock (see programmeAdapter). */
  getProgramme(id: string): Promise<Programme> {
    return this.get('Programme', id);
  }

  getDistrictPolicy(districtId: string): Promise<DistrictPolicy | null> {
    return this.load('DistrictPolicy', districtId, 'district_id');
  }

  getApiKey(id: string): Promise<ApiKey> {
    return this.get('ApiKey', id);
  }

  getWebhookSubscription(id: string): Promise<WebhookSubscription> {
    return this.get('WebhookSubscription', id);
  }

  getUserAccount(id: string): Promise<UserAccount> {
    return this.get('UserAccount', id);
  }

  async findPatientLiveReferral(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM referrals WHERE patient_id = $1 AND state NOT IN ('COMPLETED','FAILED','CANCELLED','REJECTED') LIMIT 1`, [
      patientId,
    ]);
    return rows[0]?.id ?? null;
  }

  async findOccupiedBed(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM beds WHERE occupant_patient_id = $1`, [patientId]);
    return rows[0]?.id ?? null;
  }

  async bedLocations(institutionId: string): Promise<Array<{ id: string; ward: string; label: string }>> {
    // Institution rows are not locked (nothing changes them), so the bed list has a lock of its own,
    // held to the end of the transaction; the SELECT after it sees what the previous holder committed.
    await this.q(`SELECT pg_advisory_xact_lock(hashtextextended('bed-locations:' || $1, 0))`, [institutionId]);
    return this.q(`SELECT id, ward, label FROM beds WHERE institution_id = $1 ORDER BY id`, [institutionId]);
  }

  async findActiveEnrolment(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT programme_id FROM enrolments WHERE patient_id = $1 AND ended_at IS NULL ORDER BY programme_id LIMIT 1`, [patientId]);
    return rows[0]?.programme_id ?? null;
  }

  async findActiveEnrolments(patientId: string): Promise<{ programmeId: string; kind: string }[]> {
    const rows = await this.q(`SELECT programme_id, kind FROM enrolments WHERE patient_id = $1 AND ended_at IS NULL ORDER BY programme_id`, [patientId]);
    return rows.map((r: { programme_id: string; kind: string }) => ({ programmeId: r.programme_id, kind: r.kind }));
  }

  async patientWhereabouts(patientId: string): Promise<PatientWhereabouts> {
    const [w] = await this.q(
      `SELECT (SELECT id FROM beds WHERE occupant_patient_id = $1) AS occupied_bed,
              (SELECT family_doctor_institution_id FROM patients WHERE id = $1) AS family_doctor,
              (SELECT coalesce(json_agg(json_build_object('programmeId', programme_id, 'kind', kind) ORDER BY programme_id), '[]')
                 FROM enrolments WHERE patient_id = $1 AND ended_at IS NULL) AS enrolments`,
      [patientId],
    );
    return { occupiedBed: w.occupied_bed ?? null, familyDoctor: w.family_doctor ?? null, enrolments: w.enrolments };
  }

  async findAgreements(fromInstitutionId: string, toInstitutionIds: string[]): Promise<AgreementProps[]> {
    if (!toInstitutionIds.length) return [];
    const rows = await this.q(`SELECT * FROM cooperation_agreements WHERE from_institution_id = $1 AND to_institution_id = ANY($2::uuid[])`, [
      fromInstitutionId,
      toInstitutionIds,
    ]);
    return rows.map(rowToAgreementProps);
  }

  async familyDoctorOf(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT family_doctor_institution_id AS fd FROM patients WHERE id = $1`, [patientId]);
    return rows[0]?.fd ?? null;
  }

  async findTransferOriginBed(referralId: string): Promise<string | null> {
    const rows = await this.q(
      `SELECT payload->>'originBedId' AS bed FROM audit_log WHERE aggregate_id = $1 AND event_type = 'TransferStarted' ORDER BY seq DESC LIMIT 1`,
      [referralId],
    );
    return rows[0]?.bed ?? null;
  }

  async findReturnHoldBed(patientId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM beds WHERE return_hold_patient_id = $1`, [patientId]);
    return rows[0]?.id ?? null;
  }

  /**
   * Takes the institution's waiting list for this transaction (an advisory lock on its id: two beds
   * freeing at once are dispatched one after the other, so the second sees the first's offer) and
   * answers the referrals waiting on it, first first, and whether `bedId` is already offered from it.
   */
  async takeWaitingList(institutionId: string, bedId: string): Promise<{ referralIds: string[]; bedAlreadyOffered: boolean }> {
    await this.q(`SELECT pg_advisory_xact_lock(hashtextextended('waiting-list:' || $1, 0))`, [institutionId]);
    const rows = await this.q(
      `SELECT referral_id, bed_id, state FROM waiting_list_entries WHERE institution_id = $1 AND state IN ('WAITING', 'OFFERED') ORDER BY seq`,
      [institutionId],
    );
    return {
      referralIds: rows.filter((r) => r.state === 'WAITING').map((r) => r.referral_id),
      bedAlreadyOffered: rows.some((r) => r.state === 'OFFERED' && r.bed_id === bedId),
    };
  }

  async findPatientByResidentId(residentId: string): Promise<string | null> {
    const rows = await this.q(`SELECT id FROM patients WHERE resident_id_hash = $1`, [this.cipher.blindIndex(residentId)]);
    return rows[0]?.id ?? null;
  }

  patientInvolvement(patientId: string): Promise<PatientInvolvement> {
    return patientInvolvement((sql, params) => this.q(sql, params), patientId);
  }

  async careRelationshipsOf(patientId: string, institutionId: string): Promise<{ kinds: CareRelationshipKind[]; supplied: SuppliedRecord | null }> {
    const rows: { kind: CareRelationshipKind; supplied_enc: string | null }[] = await this.q(
      `SELECT kind, supplied_enc FROM care_relationships WHERE patient_id = $1 AND institution_id = $2 AND ended_at IS NULL ORDER BY since`,
      [patientId, institutionId],
    );
    const enc = rows.find((r) => r.supplied_enc)?.supplied_enc;
    return { kinds: rows.map((r) => r.kind), supplied: enc ? (JSON.parse(this.cipher.decrypt(enc)) as SuppliedRecord) : null };
  }

  async appendMessage(m: ReferralMessage): Promise<void> {
    await this.q(
      `INSERT INTO referral_messages (id, referral_id, target_institution_id, from_institution_id, to_institution_id, offer_id, kind, text, sent_by, sent_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [m.id, m.referralId, m.targetInstitutionId, m.fromInstitutionId, m.toInstitutionId, m.offerId, m.kind, m.text, m.sentBy, m.sentAt],
    );
  }

  /** Runs under the referral's row lock (the caller loaded it), so receipts of one thread never interleave. */
  async markMessagesRead(i: {
    referralId: string;
    targetInstitutionId: string;
    readerInstitutionId: string;
    upToMessageId: string;
    readBy: string;
    at: Date;
  }): Promise<number> {
    const [upTo] = await this.q(`SELECT seq FROM referral_messages WHERE id = $1 AND referral_id = $2 AND target_institution_id = $3`, [
      i.upToMessageId,
      i.referralId,
      i.targetInstitutionId,
    ]);
    if (!upTo) throw notFound('NOT_FOUND', 'message in this thread', i.upToMessageId);
    const [{ n }] = await this.q(
      `WITH u AS (UPDATE referral_messages SET read_at = $5, read_by = $6
        WHERE referral_id = $1 AND target_institution_id = $2 AND to_institution_id = $3 AND seq <= $4 AND read_at IS NULL RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [i.referralId, i.targetInstitutionId, i.readerInstitutionId, upTo.seq, i.at, i.readBy],
    );
    return n;
  }

  add(aggregate: Aggregate): void {
    this.track(aggregate, null);
  }

  /**
   * State, audit, outbox and the command result: the tail of the one transaction, as one statement
   * (WriteBatch: the writes in the order they are made here, the version guards raised in it). Answers that
   * statement for the caller to send with COMMIT behind it (null: nothing to write).
   */
  async flush(ctx: CommandContext, result: object): Promise<{ sql: string; params: unknown[] } | null> {
    const writes = new WriteBatch();
    const audit: unknown[][] = [];
    const events: { e: DomainEvent; seq: number; priority: number }[] = [];
    for (const t of this.tracked.values()) {
      const evs = t.aggregate.pullEvents();
      if (!evs.length && !t.isNew) continue;
      let { chainSeq, chainHash } = t;
      const priority = adapterOf(t.aggregate).priority?.(t.aggregate) ?? 3;
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
        audit.push([
          rec.aggregateType,
          rec.aggregateId,
          rec.aggregateSeq,
          rec.eventId,
          rec.eventType,
          JSON.stringify(rec.payload),
          rec.actorUser,
          rec.actorRole,
          rec.actorInstitution,
          rec.reason,
          rec.correlationId,
          rec.causationId,
          rec.occurredAt,
          rec.prevHash,
          chainHash,
        ]);
        if (ctx.logResult !== false) events.push({ e, seq: chainSeq, priority });
      }
      await this.saveAggregate(writes, t, chainSeq, chainSeq === t.chainSeq ? null : chainHash, ctx.now);
    }
    this.appendAuditOutboxAndResult(writes, ctx, audit, events, result);
    const statements = writes.statements();
    // more than one only for a flush over MAX_PARAMS (a bulk import): those before the last are awaited
    for (const s of statements.slice(0, -1)) await this.q(s.sql, s.params);
    return statements.at(-1) ?? null;
  }

  /** The aggregate's adapter writes its root row (insert, or update under the version guard), then its children. */
  private async saveAggregate(writes: WriteBatch, t: Tracked, chainSeq: number, chainHash: string | null, now: Date): Promise<void> {
    const a = t.aggregate;
    const adapter = adapterOf(a);
    const save: Save = {
      q: writes.q,
      cipher: this.cipher,
      now,
      chain: { chain_seq: chainSeq, chain_hash: chainHash ?? (t.chainHash === GENESIS_HASH ? null : t.chainHash) },
      changed: (xs) => xs.filter((x) => t.snapshot?.get(x.id) !== JSON.stringify(x)),
      // the version guard: an UPDATE of the batch that matches no row raises BL409 inside the statement (VERSION_CONFLICT)
      update: async (table, id, version, values) => writes.add(updateSql(table), updateParams(table, id, version, values), id),
    };
    if (t.isNew) await adapter.insert(a, save);
    else await adapter.update(a, save);
    await adapter.saveChildren?.(a, save);
  }

  /** The audit records, the outbox rows and the command's result, as the last writes of the batch. */
  private appendAuditOutboxAndResult(
    writes: WriteBatch,
    ctx: CommandContext,
    audit: unknown[][],
    events: { e: DomainEvent; seq: number; priority: number }[],
    result: object,
  ): void {
    if (audit.length) {
      const a = valuesList(audit);
      writes.add(
        `INSERT INTO audit_log (aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, reason, correlation_id, causation_id, occurred_at, prev_hash, hash) VALUES ${a.tuples}`,
        a.params,
      );
    }
    if (events.length) {
      const meta = (e: DomainEvent, seq: number) =>
        JSON.stringify({
          actor: ctx.actor,
          correlationId: ctx.correlationId,
          causationId: ctx.causationId,
          commandId: ctx.commandId,
          occurredAt: e.occurredAt.toISOString(),
          aggregateSeq: seq,
          reason: e.reason ?? null,
        });
      const o = valuesList(
        events.map(({ e, seq, priority }) => [e.id, e.type, e.aggregateType, e.aggregateId, JSON.stringify(e.payload), meta(e, seq), priority]),
      );
      writes.add(`INSERT INTO outbox (event_id, event_type, aggregate_type, aggregate_id, payload, metadata, priority) VALUES ${o.tuples}`, o.params);
    }
    // An audited read keeps its trail but is not a command: nothing to replay, nothing to publish.
    if (ctx.logResult === false) return;
    const c = valuesList([
      [ctx.commandId, ctx.commandType, ctx.actor.userId, ctx.actor.institutionId, true, JSON.stringify(result), ctx.correlationId, ctx.fingerprint ?? null],
    ]);
    writes.add(
      `INSERT INTO command_log (id, command_type, actor_user, actor_institution, ok, result, correlation_id, fingerprint) VALUES ${c.tuples}`,
      c.params,
    );
  }
}
