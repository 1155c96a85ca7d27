import { CooperationDefault } from '../agreements/agreement';
import { BedKind, Direction, InstitutionType, KINDS_BY_INSTITUTION_TYPE, ServiceCode, Sex } from '../beds/bed-kinds';
import { Candidate } from '../referral/referral';
import { Preferences } from '../referral/around';

/** What the patient needs, from the referral, the patient and the origin institution. */
export interface MatchNeeds {
  kind: BedKind;
  services: ServiceCode[];
  sex: Sex | null;
  careLevel: number | null;
  originInstitutionId: string;
  originLat: number | null;
  originLng: number | null;
  familyDoctorInstitutionId: string | null;
  /** The patient's home, when known: a home programme is measured from here, not from the referring institution. */
  homeLat?: number | null;
  homeLng?: number | null;
  homeAreaCode?: string | null;
  /** The referral's district and direction, and the district's rule for referring without an agreement. */
  districtId: string;
  direction: Direction;
  cooperationDefault: CooperationDefault;
  /** The patient's and family's choice: excluded places are refused, ranked ones score, distance is from `near`. */
  preferences?: Pick<Preferences, 'ranked' | 'excluded' | 'near' | 'expressedBy'> | null;
}

/** One place that could take the patient: a free physical bed or a programme with a free slot. */
export interface CandidateFacts {
  institutionId: string;
  institutionName?: string;
  bedId: string | null;
  programmeId: string | null;
  kind: BedKind;
  services: ServiceCode[];
  sexRestriction: Sex | null;
  minCareLevel: number | null;
  maxCareLevel: number | null;
  isolationCapable: boolean;
  lat: number | null;
  lng: number | null;
  hasAgreement: boolean;
  /** Share of the institution's places of this kind in use, 0..1. */
  load: number;
  /** Home programmes: how far from their institution they serve. */
  radiusKm?: number | null;
  /** Home programmes: the street/area codes they serve (empty: the radius alone). */
  areaCodes?: string[];
  institutionType: InstitutionType;
  /** The target institution's district. */
  districtId: string;
  /** Free now: a bed in service (U), with no live hold and not kept for a resident's return; a programme under capacity. */
  free: boolean;
}

export interface FactorScore {
  factor: 'capability' | 'distance' | 'agreement' | 'familyDoctor' | 'load' | 'choice';
  points: number;
  max: number;
  detail: string;
}

export interface RankedCandidate extends Candidate {
  institutionName?: string;
  kind: BedKind;
  distanceKm: number | null;
  explanation: FactorScore[];
}

/** Weights out of 100. Capability is a gate and a score; the rest orders the suitable places. */
export const MATCH_WEIGHTS = { capability: 40, distance: 25, agreement: 15, familyDoctor: 10, load: 10 } as const;
/** Beyond this a place still qualifies but earns no distance points. */
export const DISTANCE_HORIZON_KM = 20;
/**
 * Points for the patient's ranked choices, first choice first. Added on top of the 100 (and only
 * when a choice was recorded), so a first choice outranks a slightly closer place but never makes
 * an unsuitable one suitable: capability stays a gate.
 */
export const CHOICE_POINTS = [20, 15, 10, 5, 5] as const;

export function haversineKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Why a place cannot take the patient at all, or null if it can. */
export function capabilityMismatch(
  n: Pick<MatchNeeds, 'kind' | 'services' | 'sex' | 'careLevel'>,
  c: Pick<CandidateFacts, 'kind' | 'services' | 'isolationCapable' | 'sexRestriction' | 'minCareLevel' | 'maxCareLevel'>,
): string | null {
  if (c.kind !== n.kind) return `is ${c.kind}, ${n.kind} needed`;
  const missing = n.services.filter((s) => s !== 'ISOLATION' && !c.services.includes(s));
  if (missing.length) return `lacks ${missing.join(', ')}`;
  if (n.services.includes('ISOLATION') && !c.isolationCapable) return 'cannot isolate';
  if (n.sex && c.sexRestriction && c.sexRestriction !== n.sex) return `is for ${c.sexRestriction} patients only`;
  if (n.careLevel !== null && c.minCareLevel !== null && n.careLevel < c.minCareLevel) return `takes care grade ${c.minCareLevel}+ (patient ${n.careLevel})`;
  if (n.careLevel !== null && c.maxCareLevel !== null && n.careLevel > c.maxCareLevel)
    return `takes care grade up to ${c.maxCareLevel} (patient ${n.careLevel})`;
  return null;
}

/**
 * How far the patient would be from the place: a physical bed from the referring institution (where the
 * patient is now); a home programme from the patient's home when it is known (the carers travel there).
 */
function distanceOf(n: MatchNeeds, c: CandidateFacts): number | null {
  const home = c.programmeId !== null && n.homeLat != null && n.homeLng != null;
  const lat = home ? n.homeLat! : n.originLat;
  const lng = home ? n.homeLng! : n.originLng;
  return lat !== null && lng !== null && c.lat !== null && c.lng !== null ? haversineKm(lat, lng, c.lat, c.lng) : null;
}

/**
 * A home programme serves its area codes, or a radius around its institution, or both (either suffices).
 * A patient whose area code or home is unknown is not refused for it: the receiver judges.
 */
function outsideServiceArea(n: MatchNeeds, c: CandidateFacts, dist: number | null): string | null {
  if (!c.programmeId) return null;
  const codes = c.areaCodes ?? [];
  const inCodes = codes.length > 0 && !!n.homeAreaCode && codes.includes(n.homeAreaCode);
  const inRadius = c.radiusKm != null && dist !== null && dist <= c.radiusKm;
  if (inCodes || inRadius) return null;
  if (codes.length && n.homeAreaCode && !codes.includes(n.homeAreaCode) && (c.radiusKm == null || dist === null || dist > c.radiusKm))
    return `serves area codes ${codes.join(', ')}${c.radiusKm != null ? ` or ${c.radiusKm} km around its institution` : ''}`;
  if (c.radiusKm != null && dist !== null && dist > c.radiusKm && !codes.length) return `serves ${c.radiusKm} km around its institution`;
  return null;
}

/** Distance for scoring: from the family's (or the patient's) home when the choice names it, else from the origin. */
function scoringDistance(n: MatchNeeds, c: CandidateFacts): { km: number | null; from: string } {
  const near = n.preferences?.near;
  if (near && c.lat !== null && c.lng !== null)
    return { km: haversineKm(near.lat, near.lng, c.lat, c.lng), from: near.of === 'HOME' ? "the patient's home" : "the family's home" };
  return { km: distanceOf(n, c), from: 'the referring institution' };
}

/**
 * THE rule for "may this place serve this referral", or why not. Matching (and so AUTO dispatch),
 * surge allocation and the SQL pre-filter (persistence matching/servable-place.ts, which must
 * agree with it) all go through here, so no path can promise a place that the referral could
 * never be offered: the origin itself, an institution that cannot hold the kind, a route no
 * agreement or district default allows, a bed that is not free, or one that lacks what the
 * patient needs.
 */
export function placeRefusal(n: MatchNeeds, c: CandidateFacts): string | null {
  if (c.institutionId === n.originInstitutionId) return 'is the referring institution';
  if (n.preferences?.excluded.includes(c.institutionId)) return `was excluded by the ${n.preferences.expressedBy.toLowerCase()}`;
  if (!KINDS_BY_INSTITUTION_TYPE[c.institutionType].includes(n.kind)) return `a ${c.institutionType} holds no ${n.kind} places`;
  if (!c.hasAgreement && !(n.cooperationDefault === 'SAME_DISTRICT_ALLOWED' && c.districtId === n.districtId))
    return 'no cooperation agreement or district rule allows this route';
  if (!c.free) return 'is not free';
  const cap = capabilityMismatch(n, c);
  if (cap !== null) return cap;
  return outsideServiceArea(n, c, distanceOf(n, c));
}

/** Scores one suitable place; null when it cannot serve the referral (placeRefusal). */
export function scoreCandidate(n: MatchNeeds, c: CandidateFacts): RankedCandidate | null {
  if (placeRefusal(n, c) !== null) return null;
  const { km: dist, from } = scoringDistance(n, c);
  const W = MATCH_WEIGHTS;
  const explanation: FactorScore[] = [];
  const needs = [...n.services, ...(n.sex ? [`sex ${n.sex}`] : []), ...(n.careLevel !== null ? [`care grade ${n.careLevel}`] : [])];
  explanation.push({
    factor: 'capability',
    points: W.capability,
    max: W.capability,
    detail: needs.length ? `offers everything needed (${needs.join(', ')})` : 'no special needs',
  });
  const distPts = dist === null ? 0 : round(W.distance * Math.max(0, 1 - dist / DISTANCE_HORIZON_KM));
  explanation.push({
    factor: 'distance',
    points: distPts,
    max: W.distance,
    detail: dist === null ? 'location unknown' : `${dist.toFixed(1)} km from ${from}`,
  });
  explanation.push({
    factor: 'agreement',
    points: c.hasAgreement ? W.agreement : 0,
    max: W.agreement,
    detail: c.hasAgreement ? 'cooperation agreement with the referring institution' : 'no cooperation agreement (district default)',
  });
  const fd = n.familyDoctorInstitutionId !== null && n.familyDoctorInstitutionId === c.institutionId;
  explanation.push({
    factor: 'familyDoctor',
    points: fd ? W.familyDoctor : 0,
    max: W.familyDoctor,
    detail: fd ? 'the patient has a family-doctor contract with this centre' : 'no family-doctor contract here',
  });
  const load = Math.min(1, Math.max(0, c.load));
  explanation.push({ factor: 'load', points: round(W.load * (1 - load)), max: W.load, detail: `${Math.round(load * 100)}% of its ${c.kind} places in use` });
  const prefs = n.preferences;
  if (prefs && prefs.ranked.length) {
    const at = prefs.ranked.indexOf(c.institutionId);
    const who = prefs.expressedBy.toLowerCase();
    explanation.push({
      factor: 'choice',
      points: at < 0 ? 0 : CHOICE_POINTS[at],
      max: CHOICE_POINTS[0],
      detail: at < 0 ? `not among the ${who}'s choices` : `the ${who}'s choice no. ${at + 1}`,
    });
  }
  const score = round(explanation.reduce((s, f) => s + f.points, 0));
  return {
    institutionId: c.institutionId,
    institutionName: c.institutionName,
    bedId: c.bedId,
    programmeId: c.programmeId,
    kind: c.kind,
    score,
    distanceKm: dist === null ? null : round(dist),
    explanation,
  };
}

/**
 * Ranks places for a referral: best score first, ties broken by distance then id so the order
 * is deterministic. Pure: the same facts always give the same ranking.
 */
export function rankCandidates(n: MatchNeeds, facts: readonly CandidateFacts[], limit = 10): RankedCandidate[] {
  const scored = facts.map((c) => scoreCandidate(n, c)).filter((x): x is RankedCandidate => x !== null);
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity) ||
      (a.bedId ?? a.programmeId ?? '').localeCompare(b.bedId ?? b.programmeId ?? ''),
  );
  return scored.slice(0, limit);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
