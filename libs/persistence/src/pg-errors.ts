import { DomainError } from '@bedlink/domain';
import { sqlState } from './sql-state';

export { isStalePlan, sqlState } from './sql-state';

/** Raised by bedlink_version_conflict(id) inside a flush: a class of the engine's own. */
export const VERSION_CONFLICT_SQLSTATE = 'BL409';

/** SQLSTATEs worth retrying in a fresh transaction: serialization failure, deadlock. */
export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/** Connection-level failures: the database is unreachable, not the request wrong. */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** A field of the driver's error, whether TypeORM wrapped it (QueryFailedError.driverError) or not (the raw client). */
function driverField(e: unknown, field: 'constraint' | 'detail'): string | undefined {
  const err = e as ({ driverError?: Record<string, string | undefined> } & Record<string, unknown>) | undefined;
  const v = err?.driverError?.[field] ?? err?.[field];
  return typeof v === 'string' ? v : undefined;
}

export function constraintOf(e: unknown): string | undefined {
  return driverField(e, 'constraint');
}

export function isDatabaseUnavailable(e: unknown): boolean {
  const code = sqlState(e);
  if (code && (UNAVAILABLE.has(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(
    msg,
  );
}

/**
 * Turns constraint violations into the domain's codes. The constraints are the backstop for
 * races the code's checks lost; the loser gets the same 409 a sequential caller would.
 */
export function translatePgError(e: unknown): unknown {
  if (e instanceof DomainError) return e;
  const code = sqlState(e);
  const constraint = constraintOf(e) ?? '';
  if (code === '23505' || code === '23P01') {
    if (constraint.startsWith('reservations_one_live_per_bed'))
      return new DomainError('BED_ALREADY_RESERVED', 'the bed is already held by another reservation');
    if (constraint.startsWith('referrals_one_live_per_patient')) return new DomainError('PATIENT_HAS_LIVE_REFERRAL', 'the patient already has a live referral');
    if (constraint.startsWith('beds_one_bed_per_occupant')) return new DomainError('BED_NOT_AVAILABLE', 'the patient already occupies another bed');
    if (constraint.startsWith('patients_resident_id_hash'))
      return new DomainError('PATIENT_ALREADY_REGISTERED', 'a patient with this resident ID is already registered');
    if (constraint.startsWith('waiting_list_one_live_per_referral')) return new DomainError('ALREADY_EXISTS', 'the referral already waits on a list');
    if (constraint.startsWith('waiting_list_one_offer_per_bed'))
      return new DomainError('BED_ALREADY_RESERVED', 'the bed was already offered to a referral from the waiting list');
    if (constraint.startsWith('institutions_code')) return new DomainError('VALIDATION_FAILED', 'an institution with this code already exists');
    if (constraint.startsWith('beds_institution_id_ward_label'))
      return new DomainError('VALIDATION_FAILED', 'a bed with this label already exists in that ward');
    if (constraint.startsWith('home_programmes_institution_id_name'))
      return new DomainError('VALIDATION_FAILED', 'the institution already has a home programme of this name');
    if (constraint.startsWith('enrolments_one_active_per_patient'))
      return new DomainError('INVALID_TRANSITION', 'the patient is already on a home programme of this kind');
    if (constraint.startsWith('user_accounts_username')) return new DomainError('ALREADY_EXISTS', 'an account with this username already exists');
    // a client-chosen id (institution, bed, patient, referral, offer) that is already taken
    if (/^(institutions|beds|patients|referrals|offers|reservations)_pkey$/.test(constraint))
      return new DomainError('ALREADY_EXISTS', 'a record with this id already exists');
  }
  // the flush's version guard (migration 1735400000000): a guarded UPDATE matched no row
  if (code === VERSION_CONFLICT_SQLSTATE) {
    const id = driverField(e, 'detail') ?? '';
    return new DomainError('VERSION_CONFLICT', `record ${id} was changed by someone else; reload and try again`, { id });
  }
  if (code === '23503') return new DomainError('VALIDATION_FAILED', 'a referenced record does not exist');
  if (code === '22P02' || code === '22007' || code === '22008') return new DomainError('VALIDATION_FAILED', 'a value has the wrong format');
  if (isDatabaseUnavailable(e)) return new DomainError('DATABASE_UNAVAILABLE', 'the database is unreachable; try again shortly');
  return e;
}
