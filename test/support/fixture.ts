import { isoDay } from './dates';
import { residentIdCheckChar } from '@bedlink/domain';
import { Engine } from './engine';
import { client } from './http';

/** How many distinct numbers residentId() gives per sex: n in [0, RESIDENT_ID_RANGE). */
export const RESIDENT_ID_RANGE = 10_080_000;

/**
 * A valid GB 11643 number, distinct for every n below RESIDENT_ID_RANGE (born 1935-1964: everyone is
 * 60 or over, old enough for the elderly-care needs assessment, so care-bed stories never depend on the draw).
 * n is split in mixed radix: 10,080 birth dates (30 years x 12 months x 28 days), then 1,000
 * sequences spread over two region codes x 100 two-digit prefixes x 5 third digits; the third
 * digit's parity is the sex, so only its five even (or odd) values carry n.
 */
export function residentId(n: number, sex: 'F' | 'M' = 'F'): string {
  if (!Number.isInteger(n) || n < 0 || n >= RESIDENT_ID_RANGE) throw new RangeError(`residentId(${n}): outside [0, ${RESIDENT_ID_RANGE})`);
  const date = n % 10080;
  const year = 1935 + (date % 30);
  const month = 1 + (Math.floor(date / 30) % 12);
  const day = 1 + Math.floor(date / 360);
  const s = Math.floor(n / 10080);
  const region = s < 500 ? '310104' : '310106';
  const t = s % 500;
  const seq = `${String(Math.floor(t / 5)).padStart(2, '0')}${(t % 5) * 2 + (sex === 'M' ? 1 : 0)}`;
  const body = `${region}${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${seq}`;
  return body + residentIdCheckChar(body);
}

async function ok<T = any>(p: Promise<{ status: number; body: any }>, what: string): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/**
 * A small district through the real API: one regional medical centre, two community centres,
 * one care home; a handful of beds; everything audited like production data.
 */
export async function smallDistrict(e: Engine, district = 'd1') {
  const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: district }));
  const inst = async (code: string, name: string, type: string, lat: number, lng: number) =>
    (await ok(dc.post('/institutions', { code: `${code}-${district}`, name, type, districtId: district, lat, lng, services: [] }), `institution ${code}`))
      .institutionId as string;
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
  const hospitalBeds = [
    await bed(planner, hospital, 'HOSPITAL', 'Neuro 5', '5-01', ['ACUTE']),
    await bed(planner, hospital, 'HOSPITAL', 'Neuro 5', '5-02', ['ACUTE']),
  ];
  const cc1Beds = [
    await bed(cc1c, cc1, 'COMMUNITY', 'Rehab 2', '2-01', ['REHAB']),
    await bed(cc1c, cc1, 'COMMUNITY', 'Rehab 2', '2-02', ['REHAB']),
    await bed(cc1c, cc1, 'COMMUNITY', 'Rehab 2', '2-03', ['REHAB']),
  ];
  const cc2Beds = [await bed(cc2c, cc2, 'COMMUNITY', 'Rehab 1', '1-01', ['REHAB'])];
  const careBeds = [
    await bed(carec, care, 'CARE_HOME', 'Floor 3', '3-01', ['NURSING']),
    await bed(carec, care, 'CARE_HOME', 'Floor 3', '3-02', ['NURSING', 'DEMENTIA']),
  ];

  // each suite draws consecutive numbers from a random base, so ids never collide within a database
  let patientSeq = Math.floor(Math.random() * 5_000_000) * 2;
  const patient = async (by = planner, extra: Record<string, unknown> = {}) =>
    (await ok(by.post('/patients', { residentId: residentId(++patientSeq), name: `测试患者${patientSeq}`, phone: '13800138000', ...extra }), 'patient'))
      .patientId as string;
  /** A valid needs assessment of the given grade (for placements into care beds). */
  const assessed = (grade: number, over: Record<string, unknown> = {}) => ({
    assessment: { grade, type: 'INITIAL', assessedOn: isoDay(-30), expiresOn: isoDay(700), cognitiveImpairment: false, ...over },
  });

  return { district, dc, planner, cc1c, cc2c, carec, hospital, cc1, cc2, care, hospitalBeds, cc1Beds, cc2Beds, careBeds, patient, assessed };
}

export { ok };

/** The body of a routine community-rehab referral of `patientId`, what most stories start from; `over` replaces fields. */
export const rehabReferral = (patientId: string, over: Record<string, unknown> = {}) => ({
  patientId,
  requestedKind: 'COMMUNITY',
  services: ['REHAB'],
  urgency: 'ROUTINE',
  clinicalSummary: 'rehab',
  careLevel: 3,
  consent: true,
  ...over,
});

/** Drafts and submits (no targets) a rehab referral by `by`; answers its id. */
export async function submittedReferral(by: ReturnType<typeof client>, patientId: string, over: Record<string, unknown> = {}): Promise<string> {
  const { referralId } = await ok(by.post('/referrals', rehabReferral(patientId, over)), 'draft');
  await ok(by.post(`/referrals/${referralId}/submit`), 'submit');
  return referralId as string;
}

/** Real rows for the fuzz suites' path parameters: an offered referral, a free bed, an API key. */
export async function fuzzTargets(d: Awaited<ReturnType<typeof smallDistrict>>) {
  const patient = await d.patient();
  const referral = await submittedReferral(d.planner, patient, { clinicalSummary: 'fuzz' });
  const offer = await ok(d.planner.post(`/referrals/${referral}/offers`, { targetInstitutionId: d.cc1, targetBedId: d.cc1Beds[0] }), 'offer');
  const key = await ok(d.dc.post('/api-keys', { label: 'fuzz', role: 'AUDITOR' }), 'key');
  return { referral, offer: offer.offerId as string, bed: d.cc1Beds[1], apiKey: key.id as string, patient };
}
