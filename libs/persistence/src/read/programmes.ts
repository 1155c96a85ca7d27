import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead } from '@bedlink/domain';

export interface ProgrammeView {
  id: string;
  institutionId: string;
  districtId: string;
  kind: string;
  name: string;
  capacity: number;
  reserved: number;
  enrolled: number;
  used: number;
  free: number;
  areaCodes: string[];
  radiusKm: number | null;
  services: string[];
  minCareLevel: number | null;
  maxCareLevel: number | null;
  version: number;
}

/** Home programmes (HOME_SICKBED / HOME_CARE): declared capacity, slots held and in use. */
@Injectable()
export class ProgrammeReads {
  constructor(private readonly ds: DataSource) {}

  async listProgrammes(actor: Actor, q: { institutionId?: string; districtId?: string }): Promise<ProgrammeView[]> {
    authorizeRead(actor, 'ReadRegistry', {});
    const rows: any[] = await this.ds.query(
      `SELECT p.*, (SELECT count(*) FROM reservations x WHERE x.programme_id = p.id AND x.state = 'HELD')::int AS reserved,
              (SELECT count(*) FROM enrolments e WHERE e.programme_id = p.id AND e.ended_at IS NULL)::int AS enrolled
         FROM home_programmes p WHERE ($1::uuid IS NULL OR p.institution_id = $1) AND ($2::text IS NULL OR p.district_id = $2) ORDER BY p.name`,
      [q.institutionId ?? null, q.districtId ?? null],
    );
    return rows.map((p) => ({
      id: p.id,
      institutionId: p.institution_id,
      districtId: p.district_id,
      kind: p.kind,
      name: p.name,
      capacity: p.capacity,
      reserved: p.reserved,
      enrolled: p.enrolled,
      used: p.reserved + p.enrolled,
      free: p.capacity - p.reserved - p.enrolled,
      areaCodes: p.area_codes,
      radiusKm: p.radius_km,
      services: p.services,
      minCareLevel: p.min_care_level,
      maxCareLevel: p.max_care_level,
      version: p.version,
    }));
  }
}
