import { residentIdCheckChar } from '@bedlink/domain';
import { Engine } from './engine';
import { client } from './http';

/** A valid GB 11643 number for test patient n (born 1946-1955, Shanghai Xuhui prefix). */
export function residentId(n: number, sex: 'F' | 'M' = 'F'): string {
  const year = 1946 + (n % 10);
  const seq = String(100 + ((n * 7) % 800)).padStart(3, '0');
  const seqSexed = seq.slice(0, 2) + String((Number(seq[2]) & ~1) | (sex === 'M' ? 1 : 0));
  const body = `310104${year}0315${seqSexed}`;
  return body + residentIdCheckChar(body);
}

async function ok<T = any>(p: Promise<{ status: number; body: any }>, what: string): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/** Per test file (jest gives each its own module registry and each suite its own database). */
let patientSeq = 0;

/**
 * A small district through the real API: one regional medical centre, two community centres,
 * one care home; a handful of beds; everything audited like production data.
 */
export async function smallDistrict(e: Engine, district = 'd1') {
  const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: district }));
  const inst = async (code: string, name: string, type: string, lat: number, lng: number) =>
    (await ok(dc.post('/institutions', { code: `${code}-${district}`, name, type, districtId: district, lat, lng, services: [] }), `institution ${code}`)).institutionId as string;
  const hospital = await inst('H1', '静安区中心医院', 'REGIONAL_MEDICAL_CENTRE', 31.229, 121.448);
  const cc1 = await inst('CC1', '江宁路街道社区卫生服务中心', 'COMMUNITY_HEALTH_CENTRE', 31.238, 121.445);
  const cc2 = await inst('CC2', '石门二路街道社区卫生服务中心', 'COMMUNITY_HEALTH_CENTRE', 31.235, 121.459);
  const care = await inst('CH1', '静安区第一养老院', 'ELDERLY_CARE_INSTITUTION', 31.241, 121.452);

  const planner = client(e.baseUrl, e.token('DISCHARGE_PLANNER', hospital, { districtId: district }));
  const cc1c = client(e.baseUrl, e.token('COMMUNITY_COORDINATOR', cc1, { districtId: district }));
  const cc2c = client(e.baseUrl, e.token('COMMUNITY_COORDINATOR', cc2, { districtId: district }));
  const carec = client(e.baseUrl, e.token('CARE_HOME_ADMISSIONS', care, { districtId: district }));

  const bed = async (c: ReturnType<typeof client>, institutionId: string, kind: string, ward: string, label: string, services: string[] = []) =>
    (await ok(c.post('/beds', { institutionId, kind, ward, label, services }), `bed ${label}`)).bedId as string;
  const hospitalBeds = [await bed(planner, hospital, 'HOSPITAL', 'Neuro 5', '5-01', ['ACUTE']), await bed(planner, hospital, 'HOSPITAL', 'Neuro 5', '5-02', ['ACUTE'])];
  const cc1Beds = [await bed(cc1c, cc1, 'COMMUNITY', 'Rehab 2', '2-01', ['REHAB']), await bed(cc1c, cc1, 'COMMUNITY', 'Rehab 2', '2-02', ['REHAB']), await bed(cc1c, cc1, 'COMMUNITY', 'Rehab 2', '2-03', ['REHAB'])];
  const cc2Beds = [await bed(cc2c, cc2, 'COMMUNITY', 'Rehab 1', '1-01', ['REHAB'])];
  const careBeds = [await bed(carec, care, 'CARE_HOME', 'Floor 3', '3-01', ['NURSING']), await bed(carec, care, 'CARE_HOME', 'Floor 3', '3-02', ['NURSING', 'DEMENTIA'])];

  // Sequential, not random: residentId(n) is collision-free for the first ~800 n, random draws
  // collided often enough to fail suites that register 20 patients (birthday paradox).
  const patient = async (by = planner) => {
    const n = ++patientSeq;
    return (await ok(by.post('/patients', { residentId: residentId(n), name: `测试患者${n}`, phone: '13800138000' }), 'patient')).patientId as string;
  };

  return { district, dc, planner, cc1c, cc2c, carec, hospital, cc1, cc2, care, hospitalBeds, cc1Beds, cc2Beds, careBeds, patient };
}

export { ok };
