import { residentIdCheckChar } from '@bedlink/domain';
import { addDays, shanghaiDay, yearsBefore } from './support/dates';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { pick } from './support/stays';

jest.setTimeout(120_000);

/** A resident ID of someone born on `birthDate`, distinct per call. */
let seq = Math.floor(Math.random() * 900);
function residentBornOn(birthDate: string): string {
  const body = `310106${birthDate.replace(/-/g, '')}${String(++seq % 1000).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
}

/**
 * Eligibility for elderly-care beds, each edge as a story over HTTP (DOMAIN.md "Eligibility"):
 * age 59/60, an assessment two years old ± 1 day, days counted on Shanghai's calendar.
 * The district runs the default policy (REFUSE).
 */
describe('Eligibility edges for care beds', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `elig${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  const today = () => shanghaiDay();
  async function submitCareReferral(birthDate: string, assessedOn: string, kind = pick('CARE_HOME', 'HOME_CARE')) {
    const patientId = (
      await ok(
        d.planner.post('/patients', {
          residentId: residentBornOn(birthDate),
          name: '测试',
          assessment: { grade: 4, type: 'INITIAL', assessedOn, expiresOn: addDays(today(), 3650), cognitiveImpairment: false },
        }),
        'patient',
      )
    ).patientId;
    const r = await ok(
      d.planner.post('/referrals', { patientId, requestedKind: kind, services: [], urgency: 'ROUTINE', clinicalSummary: 'care needs', consent: true }),
      'draft',
    );
    return {
      patientId,
      referralId: r.referralId as string,
      submit: await d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.care }] }),
    };
  }

  it('age: 59 (60th birthday tomorrow in Shanghai) is refused CARE_GRADE_INELIGIBLE; 60 today is placed', async () => {
    const assessed = addDays(today(), -10);
    const young = await submitCareReferral(addDays(yearsBefore(today(), 60), 1), assessed);
    expect(young.submit.status).toBe(409);
    expect(young.submit.body.code).toBe('CARE_GRADE_INELIGIBLE');
    expect(young.submit.body.message).toContain('60');
    const sixty = await submitCareReferral(yearsBefore(today(), 60), assessed);
    expect(sixty.submit.status).toBe(200);
  });

  it('an assessment made two years ago (± 1 day) is expired from its second anniversary on, whatever its expiresOn says', async () => {
    const born = '1945-03-03';
    const twoYears = yearsBefore(today(), 2);
    expect((await submitCareReferral(born, addDays(twoYears, 1))).submit.status).toBe(200);
    for (const assessedOn of [twoYears, addDays(twoYears, -1)]) {
      const r = await submitCareReferral(born, assessedOn);
      expect(r.submit.status).toBe(409);
      expect(r.submit.body.code).toBe('CARE_GRADE_EXPIRED');
    }
  });

  it('the typed careLevel never overrides the assessed grade', async () => {
    const patientId = await d.patient(d.planner, d.assessed(2));
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'CARE_HOME',
        services: [],
        urgency: 'ROUTINE',
        clinicalSummary: 'x',
        consent: true,
        careLevel: 6,
      }),
      'draft',
    );
    const read = await ok(d.planner.get(`/referrals/${r.referralId}`), 'read');
    expect(read.careLevel).toBe(2);
  });

  it('an assessment update re-checks the open referral: no longer eligible → escalated to the district with the code', async () => {
    const { patientId, referralId, submit } = await submitCareReferral('1944-05-05', addDays(today(), -30), 'CARE_HOME');
    expect(submit.status).toBe(200);
    const up = await ok(
      d.planner.post(`/patients/${patientId}/assessment`, {
        assessment: { grade: 1, type: 'ONGOING', assessedOn: today(), expiresOn: addDays(today(), 700) },
      }),
      'reassess',
    );
    expect(up).toMatchObject({ reassessedReferralId: referralId, escalated: 'CARE_GRADE_INELIGIBLE' });
    const read = await ok(d.planner.get(`/referrals/${referralId}`), 'read');
    expect(read.state).toBe('ESCALATED');
    expect(read.careLevel).toBe(1);
  });
});

describe('Eligibility at Shanghai midnight (fixed clock)', () => {
  // 2026-12-01 00:00:30 in Shanghai = 2026-11-30 16:00:30 UTC: the UTC date is still the 30th
  const AFTER_MIDNIGHT = new Date('2026-11-30T16:00:30Z');
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine({ clock: { now: () => new Date(AFTER_MIDNIGHT) } });
    d = await smallDistrict(e, `mid${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  async function submit(birthDate: string, assessment: Record<string, unknown>) {
    const patientId = (await ok(d.planner.post('/patients', { residentId: residentBornOn(birthDate), name: '午夜', assessment }), 'patient')).patientId;
    const r = await ok(
      d.planner.post('/referrals', { patientId, requestedKind: 'CARE_HOME', services: [], urgency: 'ROUTINE', clinicalSummary: 'midnight', consent: true }),
      'draft',
    );
    return d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.care }] });
  }

  it('an assessment that expired on 30 November is expired 30 s after midnight in Shanghai, though it is still the 30th in UTC', async () => {
    const r = await submit('1950-01-01', { grade: 4, type: 'INITIAL', assessedOn: '2026-06-01', expiresOn: '2026-11-30' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('CARE_GRADE_EXPIRED');
    expect((await submit('1950-01-01', { grade: 4, type: 'INITIAL', assessedOn: '2026-06-01', expiresOn: '2026-12-01' })).status).toBe(200);
  });

  it('a resident whose 60th birthday is 1 December is 60 from Shanghai midnight', async () => {
    expect((await submit('1966-12-01', { grade: 4, type: 'INITIAL', assessedOn: '2026-06-01', expiresOn: '2027-06-01' })).status).toBe(200);
    const r = await submit('1966-12-02', { grade: 4, type: 'INITIAL', assessedOn: '2026-06-01', expiresOn: '2027-06-01' });
    expect(r.body.code).toBe('CARE_GRADE_INELIGIBLE');
  });
});
