import { Inject, Injectable, Optional } from '@nestjs/common';
import { PiiCipher } from '../pii-cipher';
import { PII_CIPHER } from '../unit-of-work';
import { DataSource, EntityManager } from 'typeorm';
import { sameConnection } from '../active-tx';
import { cooperationDefaultOf, Matcher, POLICY, Policy } from '@bedlink/application';
import {
  CandidateFacts,
  CooperationDefault,
  HomeAddress,
  INSTITUTION_TYPES,
  isPhysical,
  KINDS_BY_INSTITUTION_TYPE,
  MatchNeeds,
  placeRefusal,
  rankCandidates,
  RankedCandidate,
  Referral,
} from '@bedlink/domain';

/** What matching needs: MatchNeeds carries the district, direction and cooperation default. */
export type CandidateNeeds = MatchNeeds;

type Db = DataSource | EntityManager;

/**
 * The SQL side of domain placeRefusal, built in ONE place for every query that looks for places
 * (the matcher, AUTO dispatch through it, and surge). It pre-filters so the database does the
 * heavy lifting; the rows are then passed through placeRefusal itself, so a place the SQL lets
 * through that the domain refuses is dropped, never promised. Parameters $1..$9 are fixed.
 */
function placeFilter(needs: CandidateNeeds) {
  const services = needs.services.filter((s) => s !== 'ISOLATION');
  const isolation = needs.services.includes('ISOLATION');
  const params: unknown[] = [
    needs.districtId,
    needs.originInstitutionId,
    needs.kind,
    needs.direction,
    services,
    needs.careLevel,
    needs.cooperationDefault === 'AGREEMENT_REQUIRED',
    needs.sex,
    INSTITUTION_TYPES.filter((t) => KINDS_BY_INSTITUTION_TYPE[t].includes(needs.kind)),
  ];
  const agreement = `EXISTS (SELECT 1 FROM cooperation_agreements a WHERE a.from_institution_id = $2 AND a.to_institution_id = i.id
      AND (cardinality(a.kinds) = 0 OR $3 = ANY(a.kinds)) AND (cardinality(a.directions) = 0 OR $4 = ANY(a.directions))
      AND (cardinality(a.services) = 0 OR a.services @> $5::text[])
      AND (a.valid_from IS NULL OR a.valid_from <= (now() AT TIME ZONE 'Asia/Shanghai')::date)
      AND (a.valid_until IS NULL OR a.valid_until >= (now() AT TIME ZONE 'Asia/Shanghai')::date))`;
  // An institution of a type that holds the kind, in the same district (when the default allows it) or along an agreement, never the origin itself.
  const institution = `i.type = ANY($9::text[]) AND i.id <> $2 AND ((i.district_id = $1 AND NOT $7::boolean) OR ${agreement})`;
  const care = `($6::int IS NULL OR ((x.min_care_level IS NULL OR x.min_care_level <= $6::int) AND (x.max_care_level IS NULL OR x.max_care_level >= $6::int)))`;
  // A bed x of institution i: the kind, in service, everything the patient needs, no live hold, not kept for a resident's return.
  const bed = `x.institution_id = i.id AND x.kind = $3 AND x.status = 'U'
              AND x.services @> $5::text[]
              AND (${isolation ? 'x.isolation_capable' : 'true'})
              AND ($8::text IS NULL OR x.sex_restriction IS NULL OR x.sex_restriction = $8::text)
              AND ${care}
              AND NOT EXISTS (SELECT 1 FROM reservations h WHERE h.bed_id = x.id AND h.state = 'HELD')
              -- a care-home bed kept for a resident's return is theirs: a hashed list computed once (beds_one_return_hold_per_patient), so the probe stays index-only
              AND x.id NOT IN (SELECT r.id FROM beds r WHERE r.return_hold_patient_id IS NOT NULL)
              -- reserve (surge) capacity the district has not opened: the same hashed-list shape (beds_reserve_closed)
              AND x.id NOT IN (SELECT r.id FROM beds r WHERE r.reserve AND NOT r.reserve_open)`;
  return { params, agreement, institution, care, bed };
}

const bedColumns = `x.id, x.services, x.sex_restriction, x.min_care_level, x.max_care_level, x.isolation_capable`;

function toFacts(needs: CandidateNeeds, rows: any[]): CandidateFacts[] {
  return rows.map((r) => ({
    institutionId: r.institution_id,
    institutionName: r.institution_name,
    institutionType: r.institution_type,
    districtId: r.district_id,
    bedId: r.bed_id,
    programmeId: r.programme_id,
    kind: needs.kind,
    services: r.services ?? [],
    sexRestriction: r.sex_restriction ?? null,
    minCareLevel: r.min_care_level,
    maxCareLevel: r.max_care_level,
    isolationCapable: !!r.isolation_capable,
    lat: r.lat,
    lng: r.lng,
    hasAgreement: !!r.has_agreement,
    load: Number(r.total) > 0 ? 1 - Number(r.free) / Number(r.total) : 0,
    radiusKm: r.radius_km,
    areaCodes: r.area_codes ?? [],
    // every row passed the free-place filter above
    free: true,
  }));
}

/**
 * Fetches the places that could take the patient, then ranks them with the pure domain function.
 * Offers go to institutions, so the query takes at most one free bed per institution: a LATERAL
 * probe per institution (of a type that holds the kind) walks the covering partial index
 * beds_free_by_institution (status = 'U', capabilities INCLUDEd: index-only scan) and stops at the
 * first bed that passes the capability filter and has no HELD reservation
 * (reservations_one_live_per_bed). Its cost grows with the number of institutions and their free
 * beds, not with all beds: 100,000 beds over a few hundred institutions is a few hundred index
 * probes. Worst case: a rare capability no institution has, where every free bed's index tuple
 * of the kind is read once.
 * Programmes qualify while live reservations + active enrolments < capacity.
 */
export async function findCandidates(db: Db, needs: CandidateNeeds, limit = 10): Promise<RankedCandidate[]> {
  const f = placeFilter(needs);
  let rows: any[];
  if (isPhysical(needs.kind)) {
    rows = await db.query(
      `SELECT i.id AS institution_id, i.name AS institution_name, i.type AS institution_type, i.district_id, i.lat, i.lng, x.id AS bed_id, NULL::uuid AS programme_id, x.services, x.sex_restriction, x.min_care_level, x.max_care_level, x.isolation_capable,
              ${f.agreement} AS has_agreement, coalesce(bb.total, 0) AS total, coalesce(bb.free, 0) AS free, NULL::double precision AS radius_km
         FROM institutions i
         CROSS JOIN LATERAL (SELECT ${bedColumns} FROM beds x WHERE ${f.bed} LIMIT 1) x
         LEFT JOIN bed_board bb ON bb.institution_id = i.id AND bb.kind = $3
        WHERE ${f.institution}`,
      f.params,
    );
  } else {
    rows = await db.query(
      `SELECT i.id AS institution_id, i.name AS institution_name, i.type AS institution_type, i.district_id, i.lat, i.lng, NULL::uuid AS bed_id, x.id AS programme_id, x.services, NULL AS sex_restriction, x.min_care_level, x.max_care_level, false AS isolation_capable,
              ${f.agreement} AS has_agreement, x.capacity AS total, x.capacity - u.used AS free, x.radius_km, x.area_codes
         FROM home_programmes x
         JOIN institutions i ON i.id = x.institution_id
         CROSS JOIN LATERAL (
           SELECT (SELECT count(*) FROM reservations h WHERE h.programme_id = x.id AND h.state = 'HELD')
                + (SELECT count(*) FROM enrolments e WHERE e.programme_id = x.id AND e.ended_at IS NULL) AS used) u
        WHERE x.kind = $3 AND u.used < x.capacity AND x.services @> $5::text[] AND ${f.care} AND ${f.institution}
          AND ($8::text IS NULL OR true) -- sex does not restrict a programme; $8 is referenced so its type is known`,
      f.params,
    );
  }
  return rankCandidates(needs, toFacts(needs, rows), limit);
}

/**
 * Every free physical bed, or free home-programme slot, that may serve a referral with these needs
 * (up to limit), for the surge allocator: the same filter as findCandidates, without the one-bed-per-institution probe,
 * and each row passed through the domain rule.
 */
export async function findServableBeds(db: Db, needs: CandidateNeeds, limit: number): Promise<CandidateFacts[]> {
  const f = placeFilter(needs);
  if (!isPhysical(needs.kind)) {
    // Home programmes: one row per free slot (capacity - live holds - active enrolments), so the
    // allocator can place as many patients on a programme as it has room for and never one more.
    // Same programme filter as findCandidates; the home address rules (radius, area codes) are the
    // domain's, applied below by placeRefusal.
    const rows = await db.query(
      `SELECT i.id AS institution_id, i.name AS institution_name, i.type AS institution_type, i.district_id, i.lat, i.lng, NULL::uuid AS bed_id, x.id AS programme_id, x.services, NULL AS sex_restriction, x.min_care_level, x.max_care_level, false AS isolation_capable,
              ${f.agreement} AS has_agreement, x.capacity AS total, x.capacity - u.used AS free, x.radius_km, x.area_codes
         FROM home_programmes x
         JOIN institutions i ON i.id = x.institution_id
         CROSS JOIN LATERAL (
           SELECT (SELECT count(*) FROM reservations h WHERE h.programme_id = x.id AND h.state = 'HELD')
                + (SELECT count(*) FROM enrolments e WHERE e.programme_id = x.id AND e.ended_at IS NULL) AS used) u
         CROSS JOIN LATERAL generate_series(1, (x.capacity - u.used)::int) slot
        WHERE x.kind = $3 AND u.used < x.capacity AND x.services @> $5::text[] AND ${f.care} AND ${f.institution}
          AND ($8::text IS NULL OR true) -- sex does not restrict a programme; $8 is referenced so its type is known
        ORDER BY i.id, x.id, slot LIMIT ${Math.max(1, Math.floor(limit))}`,
      f.params,
    );
    return toFacts(needs, rows).filter((c) => placeRefusal(needs, c) === null);
  }
  const rows = await db.query(
    `SELECT i.id AS institution_id, i.name AS institution_name, i.type AS institution_type, i.district_id, i.lat, i.lng, x.id AS bed_id, NULL::uuid AS programme_id, x.services, x.sex_restriction, x.min_care_level, x.max_care_level, x.isolation_capable,
            ${f.agreement} AS has_agreement, 0 AS total, 0 AS free, NULL::double precision AS radius_km
       FROM institutions i JOIN beds x ON ${f.bed}
      WHERE ${f.institution}
      ORDER BY i.id, x.ward, x.label LIMIT ${Math.max(1, Math.floor(limit))}`,
    f.params,
  );
  return toFacts(needs, rows).filter((c) => placeRefusal(needs, c) === null);
}

/** What matching needs to know about a referral: its needs, the origin's location, the patient's sex and family doctor. */
export async function needsOfReferral(db: Db, r: Referral, cooperationDefault: CooperationDefault, cipher?: PiiCipher): Promise<CandidateNeeds> {
  const p = r.props;
  const [row] = await db.query(
    `SELECT i.lat, i.lng, pt.sex, pt.family_doctor_institution_id, pt.home_enc FROM institutions i, patients pt WHERE i.id = $1 AND pt.id = $2`,
    [p.originInstitutionId, p.patientId],
  );
  return {
    kind: p.requestedKind,
    services: p.services,
    sex: row?.sex ?? null,
    careLevel: p.careLevel,
    originInstitutionId: p.originInstitutionId,
    originLat: row?.lat ?? null,
    originLng: row?.lng ?? null,
    familyDoctorInstitutionId: row?.family_doctor_institution_id ?? null,
    // the home is decrypted here, used for ranking in this process, and never stored or sent
    ...homeOf(row?.home_enc, cipher),
    districtId: p.districtId,
    direction: p.direction,
    cooperationDefault,
    preferences: r.preferences,
  };
}

function homeOf(enc: string | null | undefined, cipher?: PiiCipher): Pick<CandidateNeeds, 'homeLat' | 'homeLng' | 'homeAreaCode'> {
  if (!enc || !cipher) return {};
  const h = JSON.parse(cipher.decrypt(enc)) as HomeAddress;
  return { homeLat: h.lat, homeLng: h.lng, homeAreaCode: h.areaCode };
}

@Injectable()
export class SqlMatcher implements Matcher {
  constructor(
    private readonly ds: DataSource,
    @Inject(POLICY) private readonly policy: Policy,
    @Optional() @Inject(PII_CIPHER) private readonly cipher?: PiiCipher,
  ) {}
  async candidates(referral: Referral, limit: number): Promise<RankedCandidate[]> {
    const doc = await this.policy.forDistrict(referral.props.districtId);
    // inside a command's transaction: on its connection, never a second one (see sameConnection)
    const db = sameConnection(this.ds);
    return findCandidates(db, await needsOfReferral(db, referral, cooperationDefaultOf(doc), this.cipher), limit);
  }
  servableBeds(needs: MatchNeeds, limit: number): Promise<CandidateFacts[]> {
    return findServableBeds(sameConnection(this.ds), needs, limit);
  }
}
