import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PiiCipher } from '@bedlink/persistence';
import { residentIdFor } from './support';

export interface SeedSize {
  districts: number;
  institutions: number;
  beds: number;
  patients: number;
}

export interface SeededInstitution {
  id: string;
  districtId: string;
  type: 'REGIONAL_MEDICAL_CENTRE' | 'COMMUNITY_HEALTH_CENTRE' | 'ELDERLY_CARE_INSTITUTION';
  lat: number;
  lng: number;
}

export interface Seeded {
  institutions: SeededInstitution[];
  /** Patient ids by the hospital that registered them (each used by one referral at most). */
  patientsByHospital: Map<string, string[]>;
  beds: number;
  ms: number;
}

/**
 * City-scale registry in bulk SQL (seconds, not minutes). The rows are written straight into
 * the tables with chain_seq 0 and chain_hash NULL and NO audit records: they stand for data
 * migrated in before the audit trail existed. The verifier only checks chains that have
 * records, so these rows neither pass nor fail it; every change the bench makes afterwards goes
 * through commands and starts a proper chain at seq 1. The bed board is filled from the same
 * rows in the same way (a projection with no events behind it yet).
 */
export async function seed(url: string, size: SeedSize, cipher: PiiCipher, log: (s: string) => void): Promise<Seeded> {
  const t0 = Date.now();
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const institutions: SeededInstitution[] = [];
    const perDistrict = Math.max(3, Math.floor(size.institutions / size.districts));
    for (let d = 0; d < size.districts; d++) {
      const districtId = `bd${String(d + 1).padStart(2, '0')}`;
      const [clat, clng] = [31.0 + (d % 4) * 0.08, 121.3 + Math.floor(d / 4) * 0.08];
      const hospitals = Math.max(1, Math.round(perDistrict * 0.12));
      const community = Math.max(1, Math.round(perDistrict * 0.48));
      for (let i = 0; i < perDistrict; i++) {
        const type = i < hospitals ? 'REGIONAL_MEDICAL_CENTRE' : i < hospitals + community ? 'COMMUNITY_HEALTH_CENTRE' : 'ELDERLY_CARE_INSTITUTION';
        institutions.push({ id: randomUUID(), districtId, type, lat: clat + (Math.random() - 0.5) * 0.07, lng: clng + (Math.random() - 0.5) * 0.07 });
      }
    }
    await c.query(
      `INSERT INTO institutions (id, code, name, type, district_id, lat, lng, version)
       SELECT id, 'BENCH-' || n, 'Bench institution ' || n, type, district_id, lat, lng, 1
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::float8[], $5::float8[]) WITH ORDINALITY AS t(id, type, district_id, lat, lng, n)`,
      [
        institutions.map((i) => i.id),
        institutions.map((i) => i.type),
        institutions.map((i) => i.districtId),
        institutions.map((i) => i.lat),
        institutions.map((i) => i.lng),
      ],
    );
    log(`seed: ${institutions.length} institutions in ${size.districts} districts`);

    const perInstitution = Math.ceil(size.beds / institutions.length);
    await c.query(
      `INSERT INTO beds (id, institution_id, district_id, kind, ward, label, status, services, version)
       SELECT gen_random_uuid(), x.institution_id, x.district_id, x.kind, 'W' || (x.g / 40), 'B' || x.g, 'U',
         CASE x.kind
           WHEN 'HOSPITAL' THEN CASE x.g % 3 WHEN 0 THEN '{ACUTE,SURGERY}'::text[] WHEN 1 THEN '{ACUTE}' ELSE '{ACUTE,ICU}' END
           WHEN 'HOSPICE' THEN '{HOSPICE}'::text[]
           WHEN 'COMMUNITY' THEN CASE x.g % 3 WHEN 0 THEN '{REHAB,OXYGEN}'::text[] WHEN 1 THEN '{REHAB}' ELSE '{REHAB,NURSING}' END
           ELSE CASE x.g % 4 WHEN 0 THEN '{NURSING,DEMENTIA}'::text[] ELSE '{NURSING}' END
         END, 1
       FROM (
         SELECT i.id AS institution_id, i.district_id, g,
           CASE i.type
             WHEN 'REGIONAL_MEDICAL_CENTRE' THEN CASE WHEN g % 10 = 0 THEN 'HOSPICE' ELSE 'HOSPITAL' END
             WHEN 'COMMUNITY_HEALTH_CENTRE' THEN CASE WHEN g % 8 = 0 THEN 'HOSPICE' ELSE 'COMMUNITY' END
             ELSE 'CARE_HOME'
           END AS kind
         FROM institutions i CROSS JOIN generate_series(1, $1::int) g
       ) x
       LIMIT $2`,
      [perInstitution, size.beds],
    );
    log(`seed: ${size.beds} beds`);

    const hospitals = institutions.filter((i) => i.type === 'REGIONAL_MEDICAL_CENTRE');
    const patientsByHospital = new Map<string, string[]>(hospitals.map((h) => [h.id, []]));
    const CHUNK = 5000;
    for (let start = 0; start < size.patients; start += CHUNK) {
      const n = Math.min(CHUNK, size.patients - start);
      const cols: unknown[][] = [[], [], [], [], [], [], [], []];
      for (let k = 0; k < n; k++) {
        const seq = start + k;
        const id = randomUUID();
        const rid = residentIdFor(seq);
        const hospital = hospitals[seq % hospitals.length];
        patientsByHospital.get(hospital.id)!.push(id);
        const sex = Number(rid[16]) % 2 === 1 ? 'M' : 'F';
        const vals = [
          id,
          cipher.blindIndex(rid),
          cipher.encrypt(rid),
          cipher.encrypt(`压测患者${seq}`),
          cipher.encrypt(`1380013${String(seq % 10000).padStart(4, '0')}`),
          sex,
          `${rid.slice(6, 10)}-${rid.slice(10, 12)}-${rid.slice(12, 14)}`,
          hospital.id,
        ];
        vals.forEach((v, j) => cols[j].push(v));
      }
      await c.query(
        // every seeded patient carries a valid care needs assessment (grades 2-6), so care-home placements are eligible
        `INSERT INTO patients (id, resident_id_hash, resident_id_enc, name_enc, phone_enc, sex, birth_date, registered_by_institution, version, assessment)
         SELECT id, h, r, nm, ph, sx, bd, reg, 1,
                jsonb_build_object('grade', 2 + abs(hashtext(id::text)) % 5, 'type', 'INITIAL', 'assessedOn', (current_date - 30)::text, 'expiresOn', (current_date + 700)::text, 'cognitiveImpairment', false)
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::uuid[]) AS t(id, h, r, nm, ph, sx, bd, reg)`,
        cols,
      );
    }
    // The master patient index: access to a patient follows its care relationships, not the registering column.
    await c.query(
      `INSERT INTO care_relationships (patient_id, institution_id, kind, shared_record) SELECT id, registered_by_institution, 'REGISTERED', true FROM patients`,
    );
    log(`seed: ${size.patients} patients (PII encrypted with PiiCipher)`);

    await c.query(
      `INSERT INTO bed_board (institution_id, district_id, kind, total, free)
       SELECT institution_id, district_id, kind, count(*), count(*) FILTER (WHERE status = 'U') FROM beds GROUP BY institution_id, district_id, kind`,
    );
    await c.query('ANALYZE');
    const ms = Date.now() - t0;
    log(`seed: done in ${(ms / 1000).toFixed(1)} s`);
    return { institutions, patientsByHospital, beds: size.beds, ms };
  } finally {
    await c.end();
  }
}
