import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, Optional } from '@nestjs/common';
import { Response } from 'express';
import { DomainError, ErrorCode } from '@bedlink/domain';
import { translatePgError } from '@bedlink/persistence';
import { DatabaseState } from './database-state';

/** The one place where domain error codes become HTTP statuses. */
export const HTTP_STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  INVALID_RESIDENT_ID: 400,
  DECLINE_TEXT_REQUIRED: 400,
  CONSENT_REQUIRED: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  DIRECTION_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  REFERRAL_NOT_FOUND: 404,
  OFFER_NOT_FOUND: 404,
  BED_NOT_FOUND: 404,
  INSTITUTION_NOT_FOUND: 404,
  PATIENT_NOT_FOUND: 404,
  PROGRAMME_NOT_FOUND: 404,
  STAY_NOT_FOUND: 404,
  COMMAND_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  DOCUMENT_NOT_FOUND: 404,
  DOCUMENT_EMPTY: 400,
  DOCUMENT_TYPE_NOT_ALLOWED: 415,
  DOCUMENT_INFECTED: 422,
  SCAN_UNAVAILABLE: 503,
  INVALID_TRANSITION: 409,
  ALREADY_EXISTS: 409,
  PATIENT_NOT_IN_BED: 409,
  PATIENT_ALREADY_IN_BED: 409,
  ACCOUNT_LOCKED: 423,
  TOTP_REQUIRED: 401,
  CSRF_FAILED: 403,
  VERSION_CONFLICT: 409,
  BED_ALREADY_RESERVED: 409,
  BED_NOT_AVAILABLE: 409,
  BED_KIND_MISMATCH: 409,
  BED_NOT_AT_TARGET: 409,
  PROGRAMME_FULL: 409,
  PATIENT_HAS_LIVE_REFERRAL: 409,
  PATIENT_ALREADY_REGISTERED: 409,
  OFFER_ALREADY_EXTENDED: 409,
  CARE_GRADE_MISSING: 409,
  CARE_GRADE_EXPIRED: 409,
  CARE_GRADE_INELIGIBLE: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  DATABASE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  COMMAND_FAILED: 503,
  AUDIT_TRAIL_BROKEN: 409,
  ROLE_INSTITUTION_MISMATCH: 403,
};

const HTTP_CODE: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
};

/** Every error body is { code, message } (plus details when useful); never a stack trace. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('HTTP');
  constructor(@Optional() private readonly database?: DatabaseState) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toResponse(exception);
    if (body.code === 'DATABASE_UNAVAILABLE') this.database?.markDown();
    if (status >= 500 && status !== 503) this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (!res.headersSent) res.status(status).json(body);
  }

  toResponse(exception: unknown): { status: number; body: { code: string; message: string; details?: unknown } } {
    const e = translatePgError(exception);
    if (e instanceof DomainError) return { status: HTTP_STATUS_OF[e.code] ?? 400, body: e.toJSON() };
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const r = e.getResponse() as string | { message?: string | string[]; code?: string; details?: unknown };
      const message = typeof r === 'string' ? r : Array.isArray(r.message) ? r.message.join('; ') : (r.message ?? e.message);
      const code = (typeof r === 'object' && r.code) || HTTP_CODE[status] || (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
      return { status, body: { code, message, ...(typeof r === 'object' && r.details ? { details: r.details } : {}) } };
    }
    const err = e as { type?: string; status?: number };
    // body-parser errors arrive as plain errors with a status
    if (err?.type === 'entity.too.large') return { status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' } };
    if (err?.type === 'entity.parse.failed' || err?.status === 400)
      return { status: 400, body: { code: 'VALIDATION_FAILED', message: 'the request body is not valid JSON' } };
    // other body-parser refusals (unsupported charset or encoding: 415) keep their 4xx status
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500)
      return {
        status: err.status,
        body: { code: HTTP_CODE[err.status] ?? 'BAD_REQUEST', message: 'the request body cannot be read (content type, charset or encoding)' },
      };
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { code: 'INTERNAL', message: 'an unexpected error occurred; it has been logged' } };
  }
}
