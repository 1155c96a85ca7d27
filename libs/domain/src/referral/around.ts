import { DomainError } from '../shared/errors';

/**
 * What surrounds a referral besides its offers: the patient's and family's choice, the transport
 * after acceptance, and the waiting lists of institutions that had no bed. All three are children
 * of the Referral aggregate, so they change in the same transaction (and audit record) as the
 * offers they influence.
 */

/** Who expressed a preference: it matters when a family and a patient disagree. */
export const PREFERENCE_SOURCES = ['PATIENT', 'FAMILY', 'GUARDIAN'] as const;
export type PreferenceSource = (typeof PREFERENCE_SOURCES)[number];
export const NEAR_KINDS = ['HOME', 'FAMILY'] as const;
export type NearKind = (typeof NEAR_KINDS)[number];

export interface Preferences {
  /** Institutions in the order the patient or family want them (first = first choice). */
  ranked: string[];
  /** Institutions the patient or family refuse outright: never offered. */
  excluded: string[];
  /**
   * Close to whom: distance is scored from this point instead of the referring institution.
   * Rounded to two decimals (about a kilometre): a family's address is not the engine's business.
   */
  near: { of: NearKind; lat: number; lng: number } | null;
  expressedBy: PreferenceSource;
  note: string | null;
  recordedAt: Date;
}

export const MAX_RANKED_PREFERENCES = 5;
export const MAX_EXCLUDED_PREFERENCES = 20;

/** Checks and normalises preferences as given (ids unique, nobody both wanted and refused, the origin in neither list). */
export function normalisePreferences(
  input: Omit<Preferences, 'recordedAt' | 'note' | 'near'> & { note?: string | null; near?: Preferences['near'] },
  originInstitutionId: string,
  at: Date,
): Preferences {
  const ranked = [...new Set(input.ranked)];
  const excluded = [...new Set(input.excluded)];
  if (ranked.length > MAX_RANKED_PREFERENCES) throw new DomainError('VALIDATION_FAILED', `at most ${MAX_RANKED_PREFERENCES} ranked places`);
  if (excluded.length > MAX_EXCLUDED_PREFERENCES) throw new DomainError('VALIDATION_FAILED', `at most ${MAX_EXCLUDED_PREFERENCES} excluded places`);
  const both = ranked.filter((id) => excluded.includes(id));
  if (both.length) throw new DomainError('VALIDATION_FAILED', 'a place cannot be both ranked and excluded', { institutionIds: both });
  if (ranked.includes(originInstitutionId) || excluded.includes(originInstitutionId))
    throw new DomainError('VALIDATION_FAILED', 'the referring institution is not a place to choose');
  const near = input.near ? { of: input.near.of, lat: Math.round(input.near.lat * 100) / 100, lng: Math.round(input.near.lng * 100) / 100 } : null;
  return { ranked, excluded, near, expressedBy: input.expressedBy, note: input.note?.trim() || null, recordedAt: at };
}

/** The facts of the preferences that events and other institutions may see: never the location. */
export function preferenceFacts(p: Preferences | null): Record<string, unknown> | null {
  if (!p) return null;
  return { ranked: p.ranked, excluded: p.excluded, near: p.near?.of ?? null, expressedBy: p.expressedBy };
}

export const TRANSPORT_MODES = ['OWN', 'AMBULANCE', 'COMMUNITY_VEHICLE'] as const;
export type TransportMode = (typeof TRANSPORT_MODES)[number];
export const ESCORT_NEEDS = ['NURSE', 'DOCTOR', 'FAMILY', 'STRETCHER', 'WHEELCHAIR', 'OXYGEN'] as const;
export type EscortNeed = (typeof ESCORT_NEEDS)[number];
/**
 * ARRANGED: booked; NO_SHOW: the pickup window passed and the patient never left (escalated);
 * DEPARTED: the patient left the origin (StartTransfer, ADT^A03); ARRIVED: admitted at the target;
 * CANCELLED: the placement fell through.
 */
export const TRANSPORT_STATUSES = ['ARRANGED', 'NO_SHOW', 'DEPARTED', 'ARRIVED', 'CANCELLED'] as const;
export type TransportStatus = (typeof TRANSPORT_STATUSES)[number];
/** The code of the escalation a no-show raises (reported with the district's escalations). */
export const TRANSPORT_NO_SHOW = 'TRANSPORT_NO_SHOW';

export interface Transport {
  mode: TransportMode;
  pickupAt: Date;
  /** What the receiving institution is told to expect. */
  expectedArrivalAt: Date;
  /** After this, a patient who has not left is a no-show. */
  pickupWindowEndsAt: Date;
  escort: EscortNeed[];
  note: string | null;
  status: TransportStatus;
  arrangedAt: Date;
  arrangedBy: string;
  noShowAt: Date | null;
  closedAt: Date | null;
}

/**
 * WAITING: on the institution's list; OFFERED: a freed bed was offered from the list; PLACED: the
 * referral was accepted there; REMOVED: it left the list (placed elsewhere, cancelled, the list
 * offer declined or lapsed).
 */
export const WAITING_STATES = ['WAITING', 'OFFERED', 'PLACED', 'REMOVED'] as const;
export type WaitingState = (typeof WAITING_STATES)[number];
export const LIVE_WAITING_STATES: readonly WaitingState[] = ['WAITING', 'OFFERED'];

export interface WaitingEntry {
  id: string;
  institutionId: string;
  state: WaitingState;
  addedAt: Date;
  addedBy: string;
  offerId: string | null;
  bedId: string | null;
  offeredAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
}

/** How a freed bed reaches the first on the list: at once, or when the institution's coordinator confirms. */
export const WAITING_LIST_DISPATCH = ['AUTO', 'CONFIRM'] as const;
export type WaitingListDispatch = (typeof WAITING_LIST_DISPATCH)[number];
