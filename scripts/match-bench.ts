import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createDataSource, findCandidates } from '@bedlink/persistence';

/**
 * Times findCandidates (the matcher's query + ranking) for a top-10 over BEDS beds in one
 * district, in a scratch database it creates and drops. Prints one JSON line.
 *   node -r @swc-node/register scripts/match-bench.ts [beds=100000] [queries=500]
 */
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BEDS = Number(process.argv[2] ?? 100_000);
const QUERIES = Number(process.argv[3] ?? 500);
const DB = process.env.MATCH_BENCH_DB ?? `bedlink_matchbench_${randomBytes(4).toString('hex')}`;

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  await admin(`CREATE DATABASE ${DB}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB}`;
  const ds = createDataSource(url.toString(), 2);
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const t0 = performance.now();
    // 30 regional centres, 130 community centres, 240 care homes in one district (worst case: everything is a candidate district-wide)
    await ds.query(`
      INSERT INTO institutions (id, code, name, type, district_id, lat, lng, services)
      SELECT md5('i' || g)::uuid, 'I' || g, 'inst ' || g,
             CASE WHEN g <= 30 THEN 'REGIONAL_MEDICAL_CENTRE' WHEN g <= 160 THEN 'COMMUNITY_HEALTH_CENTRE' ELSE 'ELDERLY_CARE_INSTITUTION' END,
             'bench', 31.1 + (g % 20) * 0.01, 121.3 + (g / 20) * 0.01, '{}'
        FROM generate_series(1, 400) g`);
    await ds.query(`
      INSERT INTO patients (id, resident_id_hash, resident_id_enc, name_enc, sex, birth_date, registered_by_institution)
      SELECT md5('p' || g)::uuid, md5('p' || g), 'x', 'x', CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END, '1940-01-01', md5('i1')::uuid
        FROM generate_series(1, ${Math.floor(BEDS * 0.6)}) g`);
    // beds spread over the institutions by type; ~60% occupied, ~30% free, the rest H/C/I/K
    await ds
      .query(
        `
      WITH b AS (
        SELECT g, CASE WHEN g % 10 < 4 THEN 1 + g % 30 WHEN g % 10 < 7 THEN 31 + g % 130 ELSE 161 + g % 240 END AS inst FROM generate_series(1, ${BEDS}) g)
      INSERT INTO beds (id, institution_id, district_id, kind, ward, label, status, occupant_patient_id, services, sex_restriction, min_care_level, max_care_level, isolation_capable)
      SELECT md5('b' || g)::uuid, md5('i' || inst)::uuid, 'bench',
             CASE WHEN inst <= 30 THEN 'HOSPITAL' WHEN inst <= 160 THEN (CASE WHEN g % 7 = 0 THEN 'HOSPICE' ELSE 'COMMUNITY' END) ELSE 'CARE_HOME' END,
             'W' || (g % 50), 'B' || g,
             CASE WHEN g % 10 < 6 THEN 'O' WHEN g % 10 < 9 THEN 'U' ELSE (ARRAY['H','C','I','K'])[1 + g % 4] END,
             CASE WHEN g % 10 < 6 THEN md5('p' || (g - (g / 10) * 4))::uuid END,
             CASE WHEN inst <= 30 THEN ARRAY['ACUTE'] WHEN inst <= 160 THEN (CASE WHEN g % 7 = 0 THEN ARRAY['HOSPICE'] WHEN g % 3 = 0 THEN ARRAY['REHAB','OXYGEN'] ELSE ARRAY['REHAB'] END)
                  ELSE (CASE WHEN g % 4 = 0 THEN ARRAY['NURSING','DEMENTIA'] ELSE ARRAY['NURSING'] END) END,
             CASE WHEN g % 13 = 0 THEN 'M' WHEN g % 17 = 0 THEN 'F' END,
             CASE WHEN g % 5 = 0 THEN 2 END, CASE WHEN g % 5 = 0 THEN 5 END, g % 11 = 0
        FROM b`,
      )
      .catch(async (e) => {
        throw new Error(`bed generation failed: ${e.message}`);
      });
    await ds.query(`INSERT INTO bed_board (institution_id, district_id, kind, total, free, occupied)
                    SELECT institution_id, district_id, kind, count(*), count(*) FILTER (WHERE status = 'U'), count(*) FILTER (WHERE status = 'O') FROM beds GROUP BY 1, 2, 3`);
    await ds.query(`VACUUM ANALYZE`); // as autovacuum would after a bulk load: sets the visibility map for index-only scans
    const setupMs = performance.now() - t0;
    const asks: [string, string[]][] = [
      ['COMMUNITY', ['REHAB']],
      ['COMMUNITY', ['REHAB', 'OXYGEN']],
      ['CARE_HOME', ['NURSING']],
      ['CARE_HOME', ['NURSING', 'DEMENTIA']],
      ['HOSPICE', ['HOSPICE']],
    ];
    const origins: { id: string; lat: number; lng: number }[] = await ds.query(`SELECT id, lat, lng FROM institutions WHERE type = 'REGIONAL_MEDICAL_CENTRE'`);
    const times: number[] = [];
    let rows = 0;
    for (let k = 0; k < QUERIES + 20; k++) {
      const [kind, services] = asks[k % asks.length];
      const o = origins[k % origins.length];
      const t = performance.now();
      const r = await findCandidates(
        ds,
        {
          kind: kind as any,
          services: services as any,
          sex: k % 2 ? 'F' : 'M',
          careLevel: 3,
          originInstitutionId: o.id,
          originLat: o.lat,
          originLng: o.lng,
          familyDoctorInstitutionId: null,
          districtId: 'bench',
          direction: 'DOWNWARD',
          cooperationDefault: 'SAME_DISTRICT_ALLOWED',
        },
        10,
      );
      if (k >= 20) {
        times.push(performance.now() - t); // the first 20 warm the plan cache
        rows += r.length;
      }
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 100) / 100;
    console.log(
      JSON.stringify({
        beds: BEDS,
        queries: QUERIES,
        institutions: 400,
        matchP50Ms: q(0.5),
        matchP99Ms100k: q(0.99),
        maxMs: q(1),
        candidatesAvg: Math.round((rows / QUERIES) * 10) / 10,
        setupMs: Math.round(setupMs),
      }),
    );
  } finally {
    await ds.destroy();
    if (!process.env.MATCH_BENCH_KEEP) await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
