import { Actor } from '../shared/actor';
import { ErrorCode, notFound } from '../shared/errors';
import { AccessContext, authorize, QueryName } from './permissions';

/** The single object a read names, so a refusal can look exactly like an unknown id. */
export interface ReadTarget {
  readonly code: ErrorCode;
  readonly what: string;
  readonly id: string;
}

/**
 * Every read's access check: `authorize` the query for this actor and scope. For a single object
 * (`hidden` given) a foreign caller gets the same 404 as for an id that does not exist — a 403
 * would confirm the object exists; lists and registry reads keep 403 FORBIDDEN.
 */
export function authorizeRead(actor: Actor, query: QueryName, ctx: AccessContext, hidden?: ReadTarget): void {
  if (!hidden) return authorize(actor, query, ctx);
  try {
    authorize(actor, query, ctx);
  } catch {
    throw notFound(hidden.code, hidden.what, hidden.id);
  }
}
