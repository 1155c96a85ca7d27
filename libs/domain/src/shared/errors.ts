/**
 * Every refusal the engine can give, as a stable machine-readable code.
 * The API maps codes to HTTP statuses in exactly one place (apps/api error filter);
 * the domain never knows about HTTP.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_RESIDENT_ID',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'DIRECTION_NOT_ALLOWED',
  'NOT_FOUND',
  'REFERRAL_NOT_FOUND',
  'OFFER_NOT_FOUND',
  'BED_NOT_FOUND',
  'INSTITUTION_NOT_FOUND',
  'PATIENT_NOT_FOUND',
  'PROGRAMME_NOT_FOUND',
  'STAY_NOT_FOUND',
  'COMMAND_NOT_FOUND',
  'INVALID_TRANSITION',
  'VERSION_CONFLICT',
  'BED_ALREADY_RESERVED',
  'BED_NOT_AVAILABLE',
  'BED_KIND_MISMATCH',
  'BED_NOT_AT_TARGET',
  'PROGRAMME_FULL',
  'PATIENT_HAS_LIVE_REFERRAL',
  'PATIENT_ALREADY_REGISTERED',
  'OFFER_ALREADY_EXTENDED',
  'CONSENT_REQUIRED',
  'DECLINE_TEXT_REQUIRED',
  'CARE_GRADE_MISSING',
  'CARE_GRADE_EXPIRED',
  'CARE_GRADE_INELIGIBLE',
  'IDEMPOTENCY_KEY_REUSED',
  'DATABASE_UNAVAILABLE',
  'QUEUE_UNAVAILABLE',
  'COMMAND_FAILED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'ALREADY_EXISTS',
  'PATIENT_NOT_IN_BED',
  'PATIENT_ALREADY_IN_BED',
  'DOCUMENT_NOT_FOUND',
  'DOCUMENT_EMPTY',
  'DOCUMENT_TYPE_NOT_ALLOWED',
  'DOCUMENT_INFECTED',
  'SCAN_UNAVAILABLE',
  'ACCOUNT_LOCKED',
  'TOTP_REQUIRED',
  'CSRF_FAILED',
  'AUDIT_TRAIL_BROKEN',
  'ROLE_INSTITUTION_MISMATCH',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }

  static isDomainError(e: unknown): e is DomainError {
    return e instanceof DomainError;
  }
}

export class InvalidTransitionError extends DomainError {
  constructor(machine: string, state: string, command: string, id?: string) {
    super('INVALID_TRANSITION', `${machine}${id ? ` ${id}` : ''} in state ${state} does not accept ${command}`, {
      machine,
      state,
      command,
      ...(id ? { id } : {}),
    });
  }
}

export function notFound(code: ErrorCode, what: string, id: string): DomainError {
  return new DomainError(code, `${what} ${id} does not exist`, { id });
}

/**
 * A deadline fell due by the caller's clock but not yet by the reference clock (the database's):
 * not a refusal but a retry. A worker whose clock runs ahead must not expire an offer early, and
 * a refusal would be recorded under the deadline's idempotency key for good.
 */
export class DeadlineNotReached extends Error {
  constructor(
    readonly what: string,
    readonly dueAt: Date,
    readonly now: Date,
  ) {
    super(`${what} is due at ${dueAt.toISOString()}, the database clock says ${now.toISOString()}`);
    this.name = 'DeadlineNotReached';
  }
}
