import { Actor, Bed, Institution, Patient, Referral, Urgency } from '@bedlink/domain';

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

/** Repositories as seen inside one transaction. `get*` locks the row (SELECT … FOR UPDATE). */
export interface Tx {
  getReferral(id: string): Promise<Referral>;
  getBed(id: string): Promise<Bed>;
  getInstitution(id: string): Promise<Institution>;
  getPatient(id: string): Promise<Patient>;
  /** Beds are locked in id order by the caller to avoid deadlocks. */
  findPatientLiveReferral(patientId: string): Promise<string | null>;
  findOccupiedBed(patientId: string): Promise<string | null>;
  /** Blind-index lookup: the patient with this resident ID number, if registered. */
  findPatientByResidentId(residentId: string): Promise<string | null>;
  /** Institutions with a say over a patient: the registering one, origins and offered targets of its referrals; and its district. */
  patientInvolvement(patientId: string): Promise<{ institutions: string[]; districtId: string | null }>;
  add(aggregate: Referral | Bed | Institution | Patient): void;
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
/** District policy the handlers consult; loaded from configuration. */
export interface Policy {
  offerWindowMs(urgency: Urgency): number;
  reservationHoldMs(urgency: Urgency): number;
  broadcastFanout: number;
}

export const DEFAULT_POLICY: Policy = {
  offerWindowMs: (u) => ({ EMERGENCY: 15 * 60_000, URGENT: 2 * 3600_000, ROUTINE: 24 * 3600_000 })[u],
  reservationHoldMs: (u) => ({ EMERGENCY: 2 * 3600_000, URGENT: 12 * 3600_000, ROUTINE: 48 * 3600_000 })[u],
  broadcastFanout: 3,
};
