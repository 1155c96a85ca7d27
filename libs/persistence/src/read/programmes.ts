import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, notFound } from '@bedlink/domain';

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

/** One patient on a home programme: ids and dates only (a name is read, audited, through the patient record). */
export interface EnrolmentView {
  id: string;
  programmeId: string;
  patientId: string;
  referralId: string;
  startedAt: string;
  endedAt: string | null;
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

  /**
   * Who is on a programme now (or, with `ended`, also who left in the last 30 days), newest first:
   * for the programme's own institution and its district's roles. To anyone else the programme
   * does not exist (404 PROGRAMME_NOT_FOUND), so a stranger cannot even learn that an id is a programme.
   */
  async enrolments(actor: Actor, programmeId: string, q: { ended?: boolean } = {}): Promise<EnrolmentView[]> {
    const [p] = await this.ds.query(`SELECT institution_id, district_id FROM home_programmes WHERE id = $1`, [programmeId]);
    const hidden = { code: 'PROGRAMME_NOT_FOUND' as const, what: 'programme', id: programmeId };
    if (!p) throw notFound(hidden.code, hidden.what, hidden.id);
    authorizeRead(actor, 'ReadEnrolments', { districtId: p.district_id, ownInstitutionId: p.institution_id }, hidden);
    const rows: any[] = await this.ds.query(
      `SELECT id, programme_id, patient_id, referral_id, started_at, ended_at FROM enrolments
        WHERE programme_id = $1 AND (ended_at IS NULL OR ($2::boolean AND ended_at > now() - interval '30 days'))
        ORDER BY ended_at IS NOT NULL, started_at DESC, id LIMIT 1000`,
      [programmeId, !!q.ended],
    );
    return rows.map((r) => ({
      id: r.id,
      programmeId: r.programme_id,
      patientId: r.patient_id,
      referralId: r.referral_id,
      startedAt: new Date(r.started_at).toISOString(),
      endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null,
    }));
  }
}
