import type { LiveEvent } from '@bedlink/contracts';
import { Actor, DISTRICT_ROLES } from '@bedlink/domain';

/** Redis pub/sub channel of the live feed (worker relay → API SSE). Ephemeral by design. */
export const liveChannel = (prefix: string): string => `${prefix}:events`;

const INSTITUTION_FIELDS = ['originInstitutionId', 'targetInstitutionId', 'institutionId'] as const;

/** Institutions an event concerns, read from its self-contained payload. */
export function institutionsOf(e: LiveEvent): string[] {
  const out = new Set<string>();
  for (const f of INSTITUTION_FIELDS) {
    const v = e.payload[f];
    if (typeof v === 'string') out.add(v);
  }
  const involved = e.payload.involved;
  if (Array.isArray(involved)) for (const v of involved) if (typeof v === 'string') out.add(v);
  return [...out];
}

/**
 * May this user see this event live? Institution users: events naming their institution.
 * District roles: events of their district (a district role without a district sees all).
 */
export function liveEventVisibleTo(actor: Actor, e: LiveEvent): boolean {
  if (e.aggregateType === 'Patient') return false;
  if (DISTRICT_ROLES.includes(actor.role)) {
    if (!actor.districtId) return true;
    return e.payload.districtId === actor.districtId;
  }
  return !!actor.institutionId && institutionsOf(e).includes(actor.institutionId);
}

/** The browser sees the event minus fields only the bed's own institution may read. */
export function liveEventFor(actor: Actor, e: LiveEvent): LiveEvent {
  if (!('occupantPatientId' in e.payload) || e.payload.institutionId === actor.institutionId) return e;
  const { occupantPatientId: _o, ...payload } = e.payload;
  return { ...e, payload };
}
