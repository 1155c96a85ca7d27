import { Injectable, Optional } from '@nestjs/common';
import { ReadReplica } from '../read-replica';
import { DataSource, In, SelectQueryBuilder } from 'typeorm';
import { Actor, authorizeRead, DISTRICT_ROLES, DomainError, FHIR_TASK_STATUS, liveInvolvement, notFound, ReferralState, Urgency } from '@bedlink/domain';
import { AuditRecordEntity, InstitutionEntity, OfferEntity, ReferralEntity, ReservationEntity } from '../entities';
import { liveInvolvementSql } from '../patient-involvement';
import { verifyAuditChains } from '../audit-verifier';

/**
 * Narrows a referral query (alias `r`) to what the actor may list: its district for a district role,
 * otherwise the referrals its institution is live-involved in (a target whose offer ended no longer
 * lists the referral). The SQL does the scoping, so authorizeRead checks only the role.
 */
export function scopeReferrals(qb: SelectQueryBuilder<ReferralEntity>, actor: Actor, side: 'origin' | 'target' | 'all' = 'all'): void {
  if (DISTRICT_ROLES.includes(actor.role)) {
    authorizeRead(actor, 'ListReferrals', {});
    if (actor.districtId) qb.andWhere('r.district_id = :d', { d: actor.districtId });
    return;
  }
  if (!actor.institutionId) throw new DomainError('FORBIDDEN', 'no institution on this token');
  authorizeRead(actor, 'ListReferrals', { involved: [actor.institutionId] });
  if (side === 'origin') qb.andWhere('r.origin_institution_id = :inst', { inst: actor.institutionId });
  else if (side === 'target') qb.andWhere(`r.origin_institution_id <> :inst AND ${liveInvolvementSql('r', ':inst')}`, { inst: actor.institutionId });
  else qb.andWhere(liveInvolvementSql('r', ':inst'), { inst: actor.institutionId });
}

/**
 * An institution's list page (alias `r`, newest first, `:lim` rows): the newest `:lim` referrals of
 * each kind of involvement, then the page is cut from their union. The newest page of a union is
 * inside the union of each branch's newest page, so this is the same page as filtering every
 * referral by `liveInvolvementSql`, but a hospital is the origin of every referral it ever sent:
 * on a year of a city (scripts/sim-city.ts) that filter joined them all before cutting the page
 * (4.75× the one-month time at three tenths of a city, growing with the history). The state and
 * the target side's origin exclusion are applied inside the branches, or a branch's page could be
 * filled with rows the outer filter then drops.
 */
function involvedPageSql(side: 'origin' | 'target' | 'all', byState: boolean): string {
  const st = (a: string) => (byState ? ` AND ${a}.state = :state` : '');
  const notOrigin = (a: string) => (side === 'target' ? ` AND ${a}.origin_institution_id <> :inst` : '');
  const origin = `(SELECT ro.id FROM referrals ro WHERE ro.origin_institution_id = :inst${st('ro')} ORDER BY ro.updated_at DESC LIMIT :lim)`;
  // A target's live offers carry their referral's state and updated_at (kept by the database, migration
  // 1735100000000): the page walks offers_target_referral_updated newest first and stops after :lim, where
  // sorting by the referral's column joined every offer the target ever accepted (a community centre's
  // completed placements, ≈ 3,100 a year: 37.5 ms on a year of a city against 5.9 ms a month). The join
  // to the referral remains only for the target side's origin exclusion, one probe per row of the page.
  const offers =
    side === 'target'
      ? `(SELECT lo.referral_id FROM offers lo JOIN referrals rl ON rl.id = lo.referral_id
      WHERE lo.target_institution_id = :inst AND lo.state IN ('PENDING','VIEWED','ACCEPTED')${byState ? ' AND lo.referral_state = :state' : ''}${notOrigin('rl')}
      ORDER BY lo.referral_updated_at DESC LIMIT :lim)`
      : `(SELECT lo.referral_id FROM offers lo
      WHERE lo.target_institution_id = :inst AND lo.state IN ('PENDING','VIEWED','ACCEPTED')${byState ? ' AND lo.referral_state = :state' : ''}
      ORDER BY lo.referral_updated_at DESC LIMIT :lim)`;
  // Holds likewise (migration 1735110000000): every placement leaves a CONSUMED reservation at the receiver,
  // and sorting them by the referral's column joined them all; the page walks
  // reservations_institution_referral_updated and probes the referral only for the origin exclusion.
  const holdState = byState ? ' AND lx.referral_state = :state' : '';
  const holds =
    side === 'target'
      ? `(SELECT lx.referral_id FROM reservations lx JOIN referrals rx ON rx.id = lx.referral_id
      WHERE lx.institution_id = :inst AND lx.state IN ('HELD','CONSUMED')${holdState}${notOrigin('rx')}
      ORDER BY lx.referral_updated_at DESC LIMIT :lim)`
      : `(SELECT lx.referral_id FROM reservations lx
      WHERE lx.institution_id = :inst AND lx.state IN ('HELD','CONSUMED')${holdState}
      ORDER BY lx.referral_updated_at DESC LIMIT :lim)`;
  const branches = side === 'origin' ? [origin] : side === 'target' ? [offers, holds] : [origin, offers, holds];
  return `r.id IN (${branches.join(' UNION ')})`;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Read side for referrals (REST, FHIR, HL7 v2): whitelisted response shapes, scoped to who may see them. */
@Injectable()
export class ReferralReads {
  /** Lists tolerate staleness (a replica); a referral read by id may follow the caller's own command: the primary. */
  private readonly lists: DataSource;
  constructor(
    private readonly ds: DataSource,
    @Optional() replica?: ReadReplica,
  ) {
    this.lists = replica?.ds ?? ds;
  }

  /** Live involvement only: a target whose offer ended (declined, expired, withdrawn) reads nothing more. */
  private access(r: ReferralEntity) {
    return { districtId: r.districtId, originInstitutionId: r.originInstitutionId, involved: liveInvolvement(r) };
  }

  async get(actor: Actor, id: string): Promise<Record<string, unknown>> {
    const r = await this.ds.getRepository(ReferralEntity).findOne({ where: { id }, relations: { offers: true, reservations: true } });
    if (!r) throw notFound('REFERRAL_NOT_FOUND', 'referral', id);
    // A foreign institution learns nothing, not even that the referral exists.
    authorizeRead(actor, 'ReadReferral', this.access(r), { code: 'REFERRAL_NOT_FOUND', what: 'referral', id });
    const names = await this.institutionNames([r.originInstitutionId, ...r.offers.map((o) => o.targetInstitutionId)]);
    const history = await this.ds.getRepository(AuditRecordEntity).find({ where: { aggregateId: id }, order: { aggregateSeq: 'ASC' } });
    return {
      ...this.view(r, names),
      history: history.map((h) => ({
        seq: h.aggregateSeq,
        at: iso(h.occurredAt),
        event: h.eventType,
        state: (h.payload as { state?: string }).state ?? null,
        actor: h.actorUser,
        role: h.actorRole,
        institution: h.actorInstitution,
        reason: h.reason,
      })),
    };
  }

  view(r: ReferralEntity, names: Map<string, string>): Record<string, unknown> {
    const offers = [...(r.offers ?? [])].sort((a, b) => a.rank - b.rank);
    const reservations = [...(r.reservations ?? [])].sort((a, b) => Number(a.createdAt) - Number(b.createdAt));
    return {
      id: r.id,
      state: r.state,
      fhirStatus: FHIR_TASK_STATUS[r.state as ReferralState],
      stateReason: r.stateReason,
      direction: r.direction,
      urgency: r.urgency,
      strategy: r.strategy,
      dispatch: r.dispatch,
      originKind: r.originKind,
      requestedKind: r.requestedKind,
      services: r.services,
      careLevel: r.careLevel,
      clinicalSummary: r.clinicalSummary,
      consent: r.consent,
      patientId: r.patientId,
      districtId: r.districtId,
      origin: { institutionId: r.originInstitutionId, name: names.get(r.originInstitutionId) ?? null, bedId: r.originBedId },
      expectedArrival: iso(r.expectedArrival),
      // the choice as it steers matching; the family's location stays out of every response
      preferences: r.preferences
        ? {
            ranked: r.preferences.ranked,
            excluded: r.preferences.excluded,
            near: r.preferences.near?.of ?? null,
            expressedBy: r.preferences.expressedBy,
            note: r.preferences.note ?? null,
          }
        : null,
      transport: r.transport
        ? {
            mode: r.transport.mode,
            status: r.transport.status,
            pickupAt: r.transport.pickupAt,
            expectedArrivalAt: r.transport.expectedArrivalAt,
            pickupWindowEndsAt: r.transport.pickupWindowEndsAt,
            escort: r.transport.escort,
            note: r.transport.note,
            noShowAt: r.transport.noShowAt,
          }
        : null,
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
      version: r.version,
      offers: offers.map((o) => ({
        id: o.id,
        targetInstitutionId: o.targetInstitutionId,
        targetName: names.get(o.targetInstitutionId) ?? null,
        targetBedId: o.targetBedId,
        state: o.state,
        rank: o.rank,
        deadlineAt: iso(o.deadlineAt),
        createdAt: iso(o.createdAt),
        viewedAt: iso(o.viewedAt),
        viewedBy: o.viewedBy,
        answeredAt: iso(o.answeredAt),
        answeredBy: o.answeredBy,
        declineReason: o.declineReason,
        declinedBy: o.declinedBy,
        declineText: o.declineText,
        // NEED_MORE_INFO stopped the clock: no deadline until the origin replies, this much left then
        pausedAt: iso(o.pausedAt),
        remainingMs: o.remainingMs === null || o.remainingMs === undefined ? null : Number(o.remainingMs),
      })),
      reservations: reservations.map((x) => ({
        id: x.id,
        offerId: x.offerId,
        institutionId: x.institutionId,
        bedId: x.bedId,
        programmeId: x.programmeId,
        state: x.state,
        expiresAt: iso(x.expiresAt),
        createdAt: iso(x.createdAt),
        endedAt: iso(x.endedAt),
      })),
    };
  }

  private async institutionNames(ids: string[]): Promise<Map<string, string>> {
    const rows = await this.ds.getRepository(InstitutionEntity).find({ where: { id: In([...new Set(ids)]) }, select: { id: true, name: true } });
    return new Map(rows.map((i) => [i.id, i.name]));
  }

  async list(actor: Actor, q: { state?: string; side?: 'origin' | 'target' | 'all'; limit?: number }): Promise<Record<string, unknown>[]> {
    const limit = q.limit ?? 50;
    const qb = this.lists.getRepository(ReferralEntity).createQueryBuilder('r').orderBy('r.updated_at', 'DESC').limit(limit);
    if (q.state) qb.andWhere('r.state = :state', { state: q.state });
    if (DISTRICT_ROLES.includes(actor.role) || !actor.institutionId) scopeReferrals(qb, actor, q.side);
    else {
      authorizeRead(actor, 'ListReferrals', { involved: [actor.institutionId] });
      qb.andWhere(involvedPageSql(q.side ?? 'all', !!q.state), { inst: actor.institutionId, lim: limit, state: q.state });
    }
    return this.views(await qb.getMany());
  }

  /** Whitelisted views of these referrals, their offers, reservations and institution names loaded in three queries. */
  async views(rows: ReferralEntity[]): Promise<Record<string, unknown>[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const offers = await this.ds.getRepository(OfferEntity).find({ where: { referralId: In(ids) } });
    const reservations = await this.ds.getRepository(ReservationEntity).find({ where: { referralId: In(ids) } });
    for (const r of rows) {
      r.offers = offers.filter((o) => o.referralId === r.id);
      r.reservations = reservations.filter((x) => x.referralId === r.id);
    }
    const names = await this.institutionNames(rows.flatMap((r) => [r.originInstitutionId, ...r.offers.map((o) => o.targetInstitutionId)]));
    return rows.map((r) => this.view(r, names));
  }

  /** The referral an offer belongs to (an offer is the child Task of its referral in FHIR). */
  async referralIdOfOffer(offerId: string): Promise<string | undefined> {
    const o = await this.ds.getRepository(OfferEntity).findOne({ where: { id: offerId }, select: { id: true, referralId: true } });
    return o?.referralId;
  }

  /**
   * A command on an existing referral inherits its urgency, so EMERGENCY work overtakes a ROUTINE
   * backlog (read before queueing; not an access check).
   */
  async urgencyOf(referralId: string): Promise<Urgency | undefined> {
    const rows: Array<{ urgency: Urgency }> = await this.ds.query(`SELECT urgency FROM referrals WHERE id = $1`, [referralId]);
    return rows[0]?.urgency;
  }

  /**
   * The ACCEPTED referral the actor may discharge for a patient named by uuid or by resident-ID blind
   * index (HL7 v2 ADT^A03). Only the referring institution (or its district) discharges; to anyone else
   * the referral does not exist.
   */
  async acceptedForDischarge(actor: Actor, patientIds: string[], residentIdHashes: string[]): Promise<string | undefined> {
    const rows: Array<{ id: string; origin: string; district: string }> = await this.ds.query(
      `SELECT r.id, r.origin_institution_id AS origin, r.district_id AS district
         FROM referrals r JOIN patients p ON p.id = r.patient_id
        WHERE r.state = 'ACCEPTED' AND (p.id = ANY($1::uuid[]) OR p.resident_id_hash = ANY($2::text[]))
        ORDER BY r.updated_at DESC`,
      [patientIds, residentIdHashes],
    );
    const mine = rows.find((r) =>
      DISTRICT_ROLES.includes(actor.role) ? !actor.districtId || r.district === actor.districtId : r.origin === actor.institutionId,
    );
    return mine?.id;
  }

  async trail(actor: Actor, id: string, verify: boolean): Promise<Record<string, unknown>> {
    const r = await this.ds.getRepository(ReferralEntity).findOne({ where: { id }, relations: { offers: true, reservations: true } });
    if (!r) throw notFound('REFERRAL_NOT_FOUND', 'referral', id);
    authorizeRead(actor, 'ReadAuditTrail', this.access(r), { code: 'REFERRAL_NOT_FOUND', what: 'referral', id });
    const records = await this.ds.getRepository(AuditRecordEntity).find({ where: { aggregateId: id }, order: { aggregateSeq: 'ASC' } });
    const verification = verify ? await verifyAuditChains(this.ds, { aggregateId: id }) : undefined;
    return {
      referralId: id,
      records: records.map((a) => ({
        seq: a.aggregateSeq,
        globalSeq: a.seq,
        eventId: a.eventId,
        eventType: a.eventType,
        occurredAt: iso(a.occurredAt),
        actor: { user: a.actorUser, role: a.actorRole, institution: a.actorInstitution },
        reason: a.reason,
        correlationId: a.correlationId,
        causationId: a.causationId,
        payload: a.payload,
        prevHash: a.prevHash,
        hash: a.hash,
      })),
      ...(verification ? { verification } : {}),
    };
  }
}
