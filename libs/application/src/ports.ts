import {
  Actor,
  Agreement,
  AgreementProps,
  ApiKey,
  UserAccount,
  Bed,
  CandidateFacts,
  CareRelationshipKind,
  DistrictPolicy,
  DistrictPolicyDoc,
  Institution,
  MatchNeeds,
  Patient,
  Programme,
  RankedCandidate,
  Referral,
  ReferralMessage,
  SuppliedRecord,
  WebhookSubscription,
  AuditArchive,
  AuditArchiveProps,
} from '@bedlink/domain';

/** Everything a command handler knows about the command it runs, beyond its own fields. */
export interface CommandContext {
  /** Idempotency key: the BullMQ job id and the command_log primary key. */
  readonly commandId: string;
  readonly commandType: string;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly now: Date;
  /** Hash of the command's type and payload, kept with its result to refuse a reused key. */
  readonly fingerprint?: string;
  /** false for reads that are audited (patient record access): no command_log row, no outbox rows. */
  readonly logResult?: boolean;
}

export interface PatientWhereabouts {
  occupiedBed: string | null;
  familyDoctor: string | null;
  enrolments: { programmeId: string; kind: string }[];
}

/** Repositories as seen inside one transaction. `get*` locks the row (SELECT … FOR UPDATE). */
export interface Tx {
  getReferral(id: string): Promise<Referral>;
  getBed(id: string): Promise<Bed>;
  getInstitution(id: string): Promise<Institution>;
  getPatient(id: string): Promise<Patient>;
  /** Beds are locked in id order by the caller to avoid deadlocks. */
  findPatientLiveReferral(patientId: string): Promise<string | null>;
  findOccupiedBed(patientId: string): Promise<string | null>;
  /** Every bed of an institution by ward and label, under a lock on the institution's bed list held to commit (imports run one after the other). */
  bedLocations(institutionId: string): Promise<Array<{ id: string; ward: string; label: string }>>;
  /** The stored policy of a district, locked for change; null when the district has none yet. */
  getDistrictPolicy(districtId: string): Promise<DistrictPolicy | null>;
  /** The community centre of the patient's family-doctor contract (not locked: told, not changed). */
  familyDoctorOf(patientId: string): Promise<string | null>;
  /** The bed the patient left when this referral's transfer started (TransferStarted), if any. */
  findTransferOriginBed(referralId: string): Promise<string | null>;
  /** The bed held for a resident's return, if any. */
  findReturnHoldBed(patientId: string): Promise<string | null>;
  /** Locks the programme row and counts its live reservations and active enrolments under the lock. */
  getProgramme(id: string): Promise<Programme>;
  /** The programme the patient is enrolled on now, if any (the first, when two-bed integration gives them two). */
  findActiveEnrolment(patientId: string): Promise<string | null>;
  /** Every programme the patient is enrolled on now: at most one per home-bed kind (两床融合). */
  findActiveEnrolments(patientId: string): Promise<{ programmeId: string; kind: string }[]>;
  /**
   * Where the patient is now, in one read (nothing locked): the bed they occupy, their family doctor's
   * centre and the programmes they are on. What findOccupiedBed, familyDoctorOf and findActiveEnrolments
   * answer, for the commands that need all three (a statement each was a round trip each).
   */
  patientWhereabouts(patientId: string): Promise<PatientWhereabouts>;
  /** Agreements from one institution to another (not locked: agreements only ever get added). */
  findAgreements(fromInstitutionId: string, toInstitutionIds: string[]): Promise<AgreementProps[]>;
  /**
   * Locks an institution's waiting list for the rest of the transaction and answers the referrals
   * waiting on it in list order, and whether `bedId` is already offered to one of them.
   */
  takeWaitingList(institutionId: string, bedId: string): Promise<{ referralIds: string[]; bedAlreadyOffered: boolean }>;
  /** Blind-index lookup: the patient with this resident ID number, if registered. */
  findPatientByResidentId(residentId: string): Promise<string | null>;
  /**
   * Who has a say over a patient (master patient index): `institutions` its active care relationships
   * and the live involvement in its open referrals; `sharedRecord` those who see and maintain the
   * shared record; and the registering institution's district.
   */
  patientInvolvement(patientId: string): Promise<{ institutions: string[]; sharedRecord: string[]; districtId: string | null }>;
  /** The active care relationships one institution has with a patient, and what it supplied itself (if it did). */
  careRelationshipsOf(patientId: string, institutionId: string): Promise<{ kinds: CareRelationshipKind[]; supplied: SuppliedRecord | null }>;
  /** An API key, locked for change; NOT_FOUND when there is none. */
  getApiKey(id: string): Promise<ApiKey>;
  getUserAccount(id: string): Promise<UserAccount>;
  /** A live webhook subscription, locked for change; NOT_FOUND when there is none or it was deleted. */
  getWebhookSubscription(id: string): Promise<WebhookSubscription>;
  /** Appends one message to its thread (messages are not part of the referral aggregate: threads grow). */
  appendMessage(m: ReferralMessage): Promise<void>;
  /**
   * Read receipt: messages of the thread sent to `readerInstitutionId` up to (and including) the
   * message `upToMessageId` get `read_at`/`read_by` (once; a later receipt never moves them).
   * Returns how many were newly marked; NOT_FOUND when the message is not in that thread.
   */
  markMessagesRead(input: {
    referralId: string;
    targetInstitutionId: string;
    readerInstitutionId: string;
    upToMessageId: string;
    readBy: string;
    at: Date;
  }): Promise<number>;
  /**
   * The database's clock: the one reference every process agrees on. Deadlines are checked against
   * it at expiry, so a worker whose own clock runs ahead cannot expire anything early.
   */
  databaseNow(): Promise<Date>;
  add(
    aggregate: Referral | Bed | Institution | Patient | DistrictPolicy | Programme | Agreement | ApiKey | WebhookSubscription | UserAccount | AuditArchive,
  ): void;
}

export const UNIT_OF_WORK = Symbol('UNIT_OF_WORK');
/**
 * Runs `work` in ONE database transaction and, before commit, writes every touched aggregate
 * (optimistic version check), one hash-chained audit record and one outbox row per event, and
 * the command's result under its idempotency key. Commit or nothing.
 */
export interface UnitOfWork {
  run<T extends object>(ctx: CommandContext, work: (tx: Tx) => Promise<T>): Promise<T>;
}

export const CLOCK = Symbol('CLOCK');
export interface Clock {
  now(): Date;
}

export const POLICY = Symbol('POLICY');
/** District policy (deadlines, holds, eligibility, calendar) as the handlers consult it. */
export interface Policy {
  forDistrict(districtId: string): Promise<DistrictPolicyDoc>;
}

export const MATCHER = Symbol('MATCHER');
/** Finds and ranks places for a referral (free beds, programmes with room); read-only, outside the command's transaction. */
export interface Matcher {
  candidates(referral: Referral, limit: number): Promise<RankedCandidate[]>;
  /** Every free bed (or free home-programme slot, one row each) that may serve a referral with these needs (domain placeRefusal, one SQL filter), up to limit. */
  servableBeds(needs: MatchNeeds, limit: number): Promise<CandidateFacts[]>;
}

export const DOCUMENT_STORE = Symbol('DOCUMENT_STORE');
/**
 * Where a document's bytes live: encrypted with the PII cipher (AES-256-GCM, the document id as
 * associated data, so a blob moved under another id fails to decrypt), in Postgres by default or
 * in an S3-compatible bucket. The key is always the document id.
 */
export interface DocumentStore {
  readonly kind: 'postgres' | 's3';
  put(documentId: string, bytes: Buffer): Promise<void>;
  /** The decrypted bytes; NOT_FOUND (DOCUMENT_NOT_FOUND) when absent. */
  get(documentId: string): Promise<Buffer>;
  /** Best effort: a blob whose command was refused. */
  delete(documentId: string): Promise<void>;
}

export type ScanVerdict = { clean: true } | { clean: false; threat: string };
export const DOCUMENT_SCANNER = Symbol('DOCUMENT_SCANNER');
/** The virus-scan hook every upload passes before it is stored (see README, "Documents"). */
export interface DocumentScanner {
  readonly name: string;
  scan(bytes: Buffer, meta: { filename: string; mediaType: string }): Promise<ScanVerdict>;
}

export const AUDIT_ARCHIVER = Symbol('AUDIT_ARCHIVER');
/**
 * Exports a closed month of the audit log to a signed, gzipped file (read outside the command's
 * transaction: the month is closed and insert-only). Refuses an open month, one already archived,
 * an older month not archived yet, and a month whose records do not verify (AUDIT_TRAIL_BROKEN).
 */
export interface AuditArchiver {
  export(month: string, createdBy: string): Promise<Omit<AuditArchiveProps, 'id'> & { path: string }>;
}
