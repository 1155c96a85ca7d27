import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_CODES } from '@bedlink/domain';
import { HTTP_STATUS_OF } from './error.filter';

/** The one error body of the REST API. */
export class ErrorBody {
  @ApiProperty({ enum: [...ERROR_CODES, 'INTERNAL', 'BAD_REQUEST', 'NOT_READY'], description: 'Stable machine-readable code' }) code!: string;
  @ApiProperty({ description: 'Human-readable explanation' }) message!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Structured facts about the refusal (ids, fields, state)' }) details?: Record<
    string,
    unknown
  >;
}

/** What a command answers with: the command id and the handler's result (state, ids, version…). */
export class CommandResult {
  @ApiProperty({ description: 'Id of the command (also in the X-Command-Id header)' }) commandId!: string;
  @ApiPropertyOptional({ description: 'New state of the aggregate' }) state?: string;
  @ApiPropertyOptional() version?: number;
}

export class CommandAccepted {
  @ApiProperty() commandId!: string;
  @ApiProperty({ enum: ['accepted'] }) status!: string;
  @ApiProperty({ example: '/commands/c0123…' }) statusUrl!: string;
}

const DESCRIPTION: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED, INVALID_RESIDENT_ID, DECLINE_TEXT_REQUIRED)',
  401: 'No or invalid bearer token (UNAUTHENTICATED)',
  403: 'The caller’s role or institution may not do this (FORBIDDEN, DIRECTION_NOT_ALLOWED)',
  404: 'Unknown id, or not visible to the caller (…_NOT_FOUND)',
  409: 'Refused by the state of things (INVALID_TRANSITION, VERSION_CONFLICT, BED_*, …)',
  413: 'Request body too large (PAYLOAD_TOO_LARGE)',
  415: 'A file of a type a referral may not carry (DOCUMENT_TYPE_NOT_ALLOWED)',
  422: 'Idempotency-Key reused for a different command (IDEMPOTENCY_KEY_REUSED)',
  429: 'Too many requests (RATE_LIMITED)',
  500: 'Unexpected error (INTERNAL); logged, never a stack trace',
  503: 'Postgres or Redis unavailable, or the command could not run (DATABASE_UNAVAILABLE, QUEUE_UNAVAILABLE, COMMAND_FAILED)',
};

/** The codes each status can carry, from the one error map, so the document never drifts from it. */
function codesOf(status: number): string[] {
  return Object.entries(HTTP_STATUS_OF)
    .filter(([, s]) => s === status)
    .map(([c]) => c);
}

export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: `${DESCRIPTION[status] ?? 'Error'}${codesOf(status).length ? `. Codes: ${codesOf(status).join(', ')}` : ''}`,
        type: ErrorBody,
      }),
    ),
  );
}

/** Every route behind the bearer token can answer these. */
export const AUTHED = [401, 500, 503];
/** Routes that put a command on the queue. */
export const COMMAND_ERRORS = [400, 401, 403, 404, 409, 413, 422, 500, 503];
export const READ_ERRORS = [400, 401, 403, 404, 500, 503];

/** A command route: 200/201 with the result, 202 when it outlasts the wait or `Prefer: respond-async`. */
export function ApiCommand(created = false) {
  return applyDecorators(
    ApiResponse({ status: created ? 201 : 200, description: 'Executed; the handler’s result', type: CommandResult }),
    ApiResponse({ status: 202, description: 'Queued (Prefer: respond-async, or still running after the wait): poll statusUrl', type: CommandAccepted }),
    ApiErrors(...COMMAND_ERRORS),
  );
}
