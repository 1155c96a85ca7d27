import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, DISTRICT_ROLES, DomainError, notFound } from '@bedlink/domain';
import type { BedView, InstitutionView } from '@bedlink/contracts';
import { BedEntity, InstitutionEntity } from '../entities';

/** A bed held for a referral (reservation HELD), with what is needed to decide who may see which referral. */
export interface HeldBed {
  bedId: string;
  referralId: string;
  expiresAt: Date;
  districtId: string;
}

export interface AgreementView {
  id: string;
  districtId: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  kinds: string[];
  directions: string[];
  /** Services covered (empty: any). */
  services: string[];
  /** First and last day in force (YYYY-MM-DD, the district's days); null: open-ended. */
  validFrom: string | null;
  validUntil: string | null;
}

export const institutionView = (i: InstitutionEntity): InstitutionView =>
  ({
    id: i.id,
    code: i.code,
    name: i.name,
    type: i.type,
    districtId: i.districtId,
    address: i.address,
    lat: i.lat,
    lng: i.lng,
    services: i.services,
    ownership: i.ownership ?? null,
  }) as InstitutionView;

/** Institutions, beds and cooperation agreements: the registry, readable by every human role. */
@Injectable()
export class RegistryReads {
  constructor(private readonly ds: DataSource) {}

  async listInstitutions(actor: Actor, districtId?: string): Promise<InstitutionView[]> {
    authorizeRead(actor, 'ReadRegistry', {});
    const rows = await this.ds.getRepository(InstitutionEntity).find({ where: districtId ? { districtId } : {}, order: { name: 'ASC' } });
    return rows.map(institutionView);
  }

  async institution(actor: Actor, id: string, what = 'institution'): Promise<InstitutionView> {
    authorizeRead(actor, 'ReadRegistry', {});
    const i = await this.ds.getRepository(InstitutionEntity).findOne({ where: { id } });
    if (!i) throw notFound('INSTITUTION_NOT_FOUND', what, id);
    return institutionView(i);
  }

  async listBeds(actor: Actor, q: { institutionId?: string; kind?: string; status?: string; limit?: number }): Promise<BedView[]> {
    authorizeRead(actor, 'ReadRegistry', {});
    const where: Record<string, unknown> = {};
    if (q.institutionId) where.institutionId = q.institutionId;
    if (q.kind) where.kind = q.kind;
    if (q.status) where.status = q.status;
    const rows = await this.ds.getRepository(BedEntity).find({ where, order: { ward: 'ASC', label: 'ASC' }, take: q.limit ?? 200 });
    const heldIds = await this.heldBedIds(rows.map((b) => b.id));
    // Occupancy is shown, the occupant only to the bed's own institution.
    return rows.map(
      (b) =>
        ({
          id: b.id,
          institutionId: b.institutionId,
          districtId: b.districtId,
          kind: b.kind,
          ward: b.ward,
          label: b.label,
          status: b.status,
          reserved: heldIds.has(b.id),
          services: b.services,
          sexRestriction: b.sexRestriction,
          minCareLevel: b.minCareLevel,
          maxCareLevel: b.maxCareLevel,
          isolationCapable: b.isolationCapable,
          version: b.version,
          ...(actor.institutionId === b.institutionId ? { occupantPatientId: b.occupantPatientId } : {}),
        }) as BedView,
    );
  }

  /** The one "held beds" query: which of these beds a reservation holds, for which referral. */
  async heldBeds(bedIds: readonly string[]): Promise<HeldBed[]> {
    if (!bedIds.length) return [];
    const rows: Array<{ bed_id: string; referral_id: string; expires_at: Date; district_id: string }> = await this.ds.query(
      `SELECT x.bed_id, x.referral_id, x.expires_at, r.district_id FROM reservations x JOIN referrals r ON r.id = x.referral_id WHERE x.state = 'HELD' AND x.bed_id = ANY($1::uuid[])`,
      [bedIds],
    );
    return rows.map((h) => ({ bedId: h.bed_id, referralId: h.referral_id, expiresAt: new Date(h.expires_at), districtId: h.district_id }));
  }

  async heldBedIds(bedIds: readonly string[]): Promise<Set<string>> {
    return new Set((await this.heldBeds(bedIds)).map((h) => h.bedId));
  }

  /**
   * Agreements, oldest first. District roles see their district's; an institution sees the
   * agreements it is a party to (they decide where it may refer and who may refer to it), not
   * the rest of the city's arrangements.
   */
  async listAgreements(actor: Actor, institutionId?: string): Promise<AgreementView[]> {
    authorizeRead(actor, 'ReadRegistry', {});
    if (
      institutionId !== undefined &&
      (typeof institutionId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(institutionId))
    )
      throw new DomainError('VALIDATION_FAILED', 'institutionId must be an institution id (uuid)');
    const district = DISTRICT_ROLES.includes(actor.role) ? actor.districtId : null;
    const party = DISTRICT_ROLES.includes(actor.role) ? null : (actor.institutionId ?? '00000000-0000-0000-0000-000000000000');
    const rows: any[] = await this.ds.query(
      `SELECT id, district_id, from_institution_id, to_institution_id, kinds, directions, services, valid_from::text AS valid_from, valid_until::text AS valid_until
         FROM cooperation_agreements
        WHERE ($1::uuid IS NULL OR from_institution_id = $1 OR to_institution_id = $1)
          AND ($2::text IS NULL OR district_id = $2)
          AND ($3::uuid IS NULL OR from_institution_id = $3 OR to_institution_id = $3)
        ORDER BY created_at, id`,
      [institutionId ?? null, district, party],
    );
    return rows.map((r) => ({
      id: r.id,
      districtId: r.district_id,
      fromInstitutionId: r.from_institution_id,
      toInstitutionId: r.to_institution_id,
      kinds: r.kinds,
      directions: r.directions,
      services: r.services ?? [],
      validFrom: r.valid_from ?? null,
      validUntil: r.valid_until ?? null,
    }));
  }
}
