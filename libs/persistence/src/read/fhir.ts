import { Injectable, Optional } from '@nestjs/common';
import { ReadReplica } from '../read-replica';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, notFound } from '@bedlink/domain';
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
    // The owner is the institution holding the accepted offer, or one with a live offer. Written as an array
    // of the owner's referral ids (an init plan on offers_target, then primary-key probes) rather than EXISTS:
    // on a year of a city the planner turned EXISTS into a scan of every referral of the district in the
    // searched state with a probe into offers each (36,000 COMPLETED referrals, 380 ms against 25 ms for a
    // month; docs/performance.md). The owner's offers are the smaller side in every district, so drive from them.
    if (f.owner)
      qb.andWhere(
        `r.id = ANY(ARRAY(SELECT ow.referral_id FROM offers ow WHERE ow.target_institution_id = :own AND ow.state IN ('PENDING','VIEWED','ACCEPTED')))`,
        { own: f.owner },
      );
    (f.updated ?? []).forEach((c, i) => qb.andWhere(`r.updated_at ${c.op === '<' ? '<' : '>='} :lu${i}`, { [`lu${i}`]: c.at }));
    const total = await qb.getCount();
    const rows = page.count === 0 ? [] : await qb.orderBy('r.updated_at', 'DESC').addOrderBy('r.id', 'ASC').offset(page.offset).limit(page.count).getMany();
    return { total, views: await this.referrals.views(rows) };
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
