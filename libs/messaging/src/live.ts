import type { LiveEvent } from '@bedlink/contracts';
import { Actor, DISTRICT_ROLES } from '@bedlink/domain';

/*
 * Live feed channels (worker relay → API SSE, Redis pub/sub, ephemeral by design). One channel per
 * district and one per institution, so an API replica receives only the traffic of the streams it
 * holds: a district coordinator's stream subscribes its district's channel, an institution user's
 * its institution's (an offer to a centre of another district reaches it there, and a centre's
 * replica does not take its whole district's traffic), a city-wide role (district role without a
 * district) the pattern of every district channel. Each event is published once on its district's
 * channel (`d:` with no district: only city-wide streams see it) and once per institution it names,
 * so a stream, which holds exactly one subscription, gets each event at most once.
 */
export const liveDistrictChannel = (prefix: string, districtId: string | null | undefined): string => `${prefix}:events:d:${districtId ?? ''}`;
export const liveInstitutionChannel = (prefix: string, institutionId: string): string => `${prefix}:events:i:${institutionId}`;
/** Every district channel (city-wide streams). The prefix is escaped: it may hold glob characters. */
export const liveCityPattern = (prefix: string): string => `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:events:d:*`;

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

/** The channels the relay publishes an event on (see liveDistrictChannel). */
export function liveChannelsOf(prefix: string, e: LiveEvent): string[] {
  const d = e.payload.districtId;
  return [liveDistrictChannel(prefix, typeof d === 'string' ? d : null), ...institutionsOf(e).map((i) => liveInstitutionChannel(prefix, i))];
}

/**
 * The one subscription a user's stream needs: exactly the events `liveEventVisibleTo` lets through
 * arrive on it. null: the user sees nothing live (an institution role without an institution).
 */
export function liveSubscriptionOf(prefix: string, actor: Actor): { kind: 'channel' | 'pattern'; name: string } | null {
  if (DISTRICT_ROLES.includes(actor.role))
    return actor.districtId ? { kind: 'channel', name: liveDistrictChannel(prefix, actor.districtId) } : { kind: 'pattern', name: liveCityPattern(prefix) };
  return actor.institutionId ? { kind: 'channel', name: liveInstitutionChannel(prefix, actor.institutionId) } : null;
}
