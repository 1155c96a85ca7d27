import { Injectable, Optional } from '@nestjs/common';
import { ReadReplica } from '../read-replica';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { Actor, authorizeRead, DISTRICT_ROLES, notFound } from '@bedlink/domain';
import { BedEntity, InstitutionEntity, ReferralEntity } from '../entities';
import { ReferralReads, scopeReferrals } from './referrals';
import { HeldBed, RegistryReads } from './registry';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Page {
  count: number;
  offset: number;
}
/** A bound on updated_at (FHIR `_lastUpdated`, already parsed). */
export interface UpdatedBound {
  op: '>=' | '<';
  at: Date;
}

/**
 * The searches of the FHIR facade (Task, Location, Organization): the facade parses FHIR search
 * parameters, these run them, scoped like REST, and count the total for paging.
 */
/** A Task.status search as referral states, OFFERED split by whether one institution owns the Task yet. */
export interface TaskStatusFilter {
  states: string[];
  offered: Array<'owned' | 'unowned'>;
}

@Injectable()
export class FhirReads {
  constructor(
    private readonly ds: DataSource,
    private readonly referrals: ReferralReads,
    private readonly registry: RegistryReads,
    @Optional() private readonly replica?: ReadReplica,
  ) {}

  async searchReferrals(
    actor: Actor,
    f: { states?: string[]; taskStatus?: TaskStatusFilter; requester?: string; owner?: string; updated?: UpdatedBound[] },
    page: Page,
  ): Promise<{ total: number; views: Record<string, unknown>[] }> {
    // a search tolerates staleness: the replica when there is one (the views below read the primary)
    const qb = (this.replica?.ds ?? this.ds).getRepository(ReferralEntity).createQueryBuilder('r');
    scopeReferrals(qb, actor);
    if (f.states) qb.andWhere('r.state IN (:...states)', { states: f.states });
    if (f.taskStatus) {
      // An OFFERED referral is owned (Task.status received) once one offer is accepted or exactly one is
      // live; otherwise it is still `requested` (the FHIR mapper's referralOwner, in SQL).
      const owned = `(EXISTS (SELECT 1 FROM offers oa WHERE oa.referral_id = r.id AND oa.state = 'ACCEPTED')
        OR (SELECT count(*) FROM offers ol WHERE ol.referral_id = r.id AND ol.state IN ('PENDING','VIEWED')) = 1)`;
      const any: string[] = [];
      if (f.taskStatus.states.length) any.push('r.state IN (:...tstates)');
      if (f.taskStatus.offered.includes('owned')) any.push(`(r.state = 'OFFERED' AND ${owned})`);
      if (f.taskStatus.offered.includes('unowned')) any.push(`(r.state = 'OFFERED' AND NOT ${owned})`);
      qb.andWhere(any.length ? `(${any.join(' OR ')})` : 'false', { tstates: f.taskStatus.states });
    }
    if (f.requester) qb.andWhere('r.origin_institution_id = :req', { req: f.requester });
    (f.updated ?? []).forEach((c, i) => qb.andWhere(`r.updated_at ${c.op === '<' ? '<' : '>='} :lu${i}`, { [`lu${i}`]: c.at }));
    if (!f.owner) {
      const total = await qb.getCount();
      const rows = page.count === 0 ? [] : await qb.orderBy('r.updated_at', 'DESC').addOrderBy('r.id', 'ASC').offset(page.offset).limit(page.count).getMany();
      return { total, views: await this.referrals.views(rows) };
    }
    // The owner is the institution holding the accepted offer, or one with a live offer: the owner's live
    // offers, which carry their referral's state, updated_at and district, kept equal by the database
    // (migration 1735100000000). A community centre keeps every placement it made as an ACCEPTED offer
    // (≈ 3,100 a year): joined to their referrals before the page was cut, they made this search 27.5 ms on
    // a year of a city against 4.7 ms a month (docs/performance.md). The searched states and _lastUpdated
    // bounds narrow the offers inside offers_target_referral_updated; the conditions on r stay.
    // a Task.status search: its referral states, and OFFERED when owned/unowned is asked (which of the two
    // the conditions on r decide)
    const tstates = f.taskStatus ? [...f.taskStatus.states, ...(f.taskStatus.offered.length ? ['OFFERED'] : [])] : undefined;
    const narrow = [
      ...(f.states ? [' AND o.referral_state IN (:...states)'] : []),
      ...(tstates ? [tstates.length ? ' AND o.referral_state IN (:...ownerTaskStates)' : ' AND false'] : []),
      ...(f.updated ?? []).map((c, i) => ` AND o.referral_updated_at ${c.op === '<' ? '<' : '>='} :lu${i}`),
    ].join('');
    if (tstates?.length) qb.setParameter('ownerTaskStates', tstates);
    const owned = `o.target_institution_id = :own AND o.state IN ('PENDING','VIEWED','ACCEPTED')${narrow}`;
    const total = await this.ownerTotal(actor, f, owned, qb);
    if (page.count === 0) return { total, views: [] };
    // The page: the owner's referrals newest first in index order (referral_updated_at, referral_id: the
    // order r.updated_at DESC, r.id ASC), each joined to its referral until the page is full. DISTINCT keeps
    // one row per referral (were two live offers of one referral the owner's), and in this order it is a
    // Unique over the index scan, not a hash of every offer.
    const rows = await qb
      .innerJoin(
        `(SELECT DISTINCT o.referral_updated_at, o.referral_id FROM offers o WHERE ${owned} ORDER BY o.referral_updated_at DESC, o.referral_id)`,
        'ow',
        'ow.referral_id = r.id',
      )
      .setParameter('own', f.owner)
      .orderBy('ow.referral_updated_at', 'DESC')
      .addOrderBy('ow.referral_id', 'ASC')
      .offset(page.offset)
      .limit(page.count)
      .getMany();
    return { total, views: await this.referrals.views(rows) };
  }

  /**
   * The total of an owner search. When nothing but the owner, states (a Task.status but that of an OFFERED
   * referral, which depends on its other offers), _lastUpdated and a district (or no) scope filter it, it is
   * the number of the owner's referrals among its offers' index entries, read from the index alone: a
   * district's scope is the district carried beside each offer; an institution that searches as the owner
   * itself is live-involved in every referral it holds a live offer of. Otherwise the ids from the index are
   * probed in referrals for the other filters (an id array, not EXISTS: on a year of a city the planner
   * turned EXISTS into a scan of every referral of the district in the searched state).
   */
  private async ownerTotal(
    actor: Actor,
    f: { states?: string[]; taskStatus?: TaskStatusFilter; requester?: string; owner?: string; updated?: UpdatedBound[] },
    owned: string,
    qb: SelectQueryBuilder<ReferralEntity>,
  ): Promise<number> {
    const district = DISTRICT_ROLES.includes(actor.role);
    if (!f.taskStatus?.offered.length && !f.requester && (district || actor.institutionId === f.owner)) {
      const scoped = district && actor.districtId ? ' AND o.referral_district_id = :d' : '';
      const [{ n }] = await qb.connection
        .createQueryBuilder()
        .select('count(DISTINCT o.referral_id)::int', 'n')
        .from('offers', 'o')
        .where(`${owned}${scoped}`)
        .setParameters({ ...qb.getParameters(), own: f.owner, d: actor.districtId })
        .getRawMany<{ n: number }>();
      return n;
    }
    return qb.clone().andWhere(`r.id = ANY(ARRAY(SELECT o.referral_id FROM offers o WHERE ${owned}))`, { own: f.owner }).getCount();
  }

  /** Beds with the reservation holding each (if any). */
  private async withHolds(beds: BedEntity[]): Promise<Array<{ bed: BedEntity; hold?: HeldBed }>> {
    const holds = new Map((await this.registry.heldBeds(beds.map((b) => b.id))).map((h) => [h.bedId, h]));
    return beds.map((bed) => ({ bed, hold: holds.get(bed.id) }));
  }

  async bed(actor: Actor, id: string): Promise<{ bed: BedEntity; hold?: HeldBed }> {
    authorizeRead(actor, 'ReadRegistry', {});
    const b = UUID.test(id) ? await this.ds.getRepository(BedEntity).findOne({ where: { id } }) : null;
    if (!b) throw notFound('BED_NOT_FOUND', 'Location', id);
    return (await this.withHolds([b]))[0];
  }

  async searchBeds(
    actor: Actor,
    f: { institutionId?: string; statuses?: string[] },
    page: Page,
  ): Promise<{ total: number; beds: Array<{ bed: BedEntity; hold?: HeldBed }> }> {
    authorizeRead(actor, 'ReadRegistry', {});
    const qb = this.ds.getRepository(BedEntity).createQueryBuilder('b');
    if (f.institutionId) qb.andWhere('b.institution_id = :org', { org: f.institutionId });
    if (f.statuses) qb.andWhere('b.status IN (:...codes)', { codes: f.statuses });
    const total = await qb.getCount();
    const rows =
      page.count === 0
        ? []
        : await qb.orderBy('b.ward', 'ASC').addOrderBy('b.label', 'ASC').addOrderBy('b.id', 'ASC').offset(page.offset).limit(page.count).getMany();
    return { total, beds: await this.withHolds(rows) };
  }

  async institution(actor: Actor, id: string): Promise<InstitutionEntity> {
    authorizeRead(actor, 'ReadRegistry', {});
    const i = UUID.test(id) ? await this.ds.getRepository(InstitutionEntity).findOne({ where: { id } }) : null;
    if (!i) throw notFound('INSTITUTION_NOT_FOUND', 'Organization', id);
    return i;
  }

  /** Institutions whose name starts with `namePrefix` (case-insensitive). */
  async searchInstitutions(actor: Actor, f: { namePrefix?: string }, page: Page): Promise<{ total: number; institutions: InstitutionEntity[] }> {
    authorizeRead(actor, 'ReadRegistry', {});
    const qb = this.ds.getRepository(InstitutionEntity).createQueryBuilder('i');
    if (f.namePrefix) qb.andWhere('i.name ILIKE :name', { name: `${f.namePrefix.replace(/[%_\\]/g, (c) => `\\${c}`)}%` });
    const total = await qb.getCount();
    const rows = page.count === 0 ? [] : await qb.orderBy('i.name', 'ASC').addOrderBy('i.id', 'ASC').offset(page.offset).limit(page.count).getMany();
    return { total, institutions: rows };
  }
}
