import { addBusinessTime, checkCareEligibility, defaultPolicy, offerDeadline, parseDuration } from './policy';
import { CareAssessment } from '../patients/patient';

const p = defaultPolicy('jingan');
const cal = { ...p.calendar, routineOnBusinessHours: true, holidays: ['2026-10-01', '2026-10-02'], extraWorkdays: ['2026-09-27'] };
const business = { ...p, calendar: cal };
const at = (iso: string) => new Date(iso);
const a = (grade: number, over: Partial<CareAssessment> = {}): CareAssessment => ({
  grade,
  type: 'INITIAL',
  assessedOn: '2026-01-10',
  expiresOn: '2027-01-09',
  cognitiveImpairment: false,
  ...over,
});

describe('district policy: durations and the business calendar', () => {
  it('parses durations and refuses nonsense', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(() => parseDuration('soon')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('a ROUTINE deadline made Friday 16:00 (Shanghai) with an 8 h window pauses over the weekend', () => {
    // Friday 2026-11-27 16:00 +08:00 = 08:00Z; 1 h left Friday, 7 h on Monday from 08:30 -> Monday 15:30 +08:00
    const due = offerDeadline({ ...business, offerWindows: { ...p.offerWindows, ROUTINE: '8h' } }, 'ROUTINE', 'DOWNWARD', at('2026-11-27T08:00:00Z'));
    expect(due.toISOString()).toBe('2026-11-30T07:30:00.000Z');
  });

  it('an EMERGENCY window runs on wall time through the weekend', () => {
    const due = offerDeadline(business, 'EMERGENCY', 'UPWARD', at('2026-11-28T14:00:00Z')); // Saturday 22:00 local
    expect(due.toISOString()).toBe('2026-11-28T14:15:00.000Z');
  });

  it('skips public holidays and counts make-up workdays', () => {
    // Wednesday 2026-09-30 16:00 local, 2 h: 1 h that day, holidays Thu/Fri, weekend -> Monday 09:30 local
    expect(addBusinessTime(at('2026-09-30T08:00:00Z'), 2 * 3_600_000, cal).toISOString()).toBe('2026-10-05T01:30:00.000Z');
    // Sunday 2026-09-27 is a make-up workday: a request at 10:00 local for 1 h is due 11:00 local the same day
    expect(addBusinessTime(at('2026-09-27T02:00:00Z'), 3_600_000, cal).toISOString()).toBe('2026-09-27T03:00:00.000Z');
  });

  it('a request made out of hours starts counting at the next opening', () => {
    expect(addBusinessTime(at('2026-11-24T14:00:00Z'), 30 * 60_000, cal).toISOString()).toBe('2026-11-25T01:00:00.000Z'); // Tue 22:00 -> Wed 09:00 local
  });

  it('direction-specific windows override the urgency default', () => {
    const q = { ...p, offerWindowsByDirection: { UPWARD: { EMERGENCY: '10m' } } };
    expect(offerDeadline(q, 'EMERGENCY', 'UPWARD', at('2026-11-23T00:00:00Z')).toISOString()).toBe('2026-11-23T00:10:00.000Z');
    expect(offerDeadline(q, 'EMERGENCY', 'DOWNWARD', at('2026-11-23T00:00:00Z')).toISOString()).toBe('2026-11-23T00:15:00.000Z');
  });
});

describe('care-grade eligibility (老年照护统一需求评估)', () => {
  const today = at('2026-11-23T00:00:00Z');
  it.each([
    [1, 'CARE_HOME', false],
    [2, 'CARE_HOME', true],
    [1, 'HOME_CARE', false],
    [2, 'HOME_CARE', true],
  ])('grade %i into %s: eligible=%s (edge 1/2)', (grade, kind, ok) => {
    expect(checkCareEligibility(p, kind, a(grade), today).ok).toBe(ok);
  });

  it.each([
    [2, false, false, false],
    [3, false, false, true],
    [2, true, false, true],
    [2, false, true, true],
  ])('basic-guarantee bed, grade %i, cognitive impairment %s, hardship %s: eligible=%s (edge 2/3)', (grade, cognitive, hardship, ok) => {
    expect(checkCareEligibility(p, 'CARE_HOME', a(grade, { cognitiveImpairment: cognitive }), today, { basicGuaranteeBed: true, hardship }).ok).toBe(ok);
  });

  it('refuses an expired or missing assessment with their own codes; medical beds need none', () => {
    expect(checkCareEligibility(p, 'CARE_HOME', a(5, { expiresOn: '2026-11-22' }), today)).toMatchObject({ ok: false, code: 'CARE_GRADE_EXPIRED' });
    expect(checkCareEligibility(p, 'CARE_HOME', a(5, { expiresOn: '2026-11-23' }), today).ok).toBe(true);
    expect(checkCareEligibility(p, 'HOME_CARE', null, today)).toMatchObject({ ok: false, code: 'CARE_GRADE_MISSING' });
    expect(checkCareEligibility(p, 'COMMUNITY', null, today).ok).toBe(true);
  });
});

describe('eligibility edges (DOMAIN.md: age 60+, two years at most, Shanghai calendar days)', () => {
  const fresh = (assessedOn: string): CareAssessment => ({ grade: 4, type: 'INITIAL', assessedOn, expiresOn: '2099-12-31', cognitiveImpairment: false });
  // 2026-11-23 20:00 +08:00
  const now = at('2026-11-23T12:00:00Z');

  it.each([
    ['1966-11-24', false], // 59, turns 60 tomorrow
    ['1966-11-23', true], // 60 today
    ['1940-01-01', true],
  ])('born %s: eligible=%s for elderly care', (birthDate, ok) => {
    const v = checkCareEligibility(p, 'CARE_HOME', fresh('2026-01-01'), now, { birthDate });
    expect(v.ok).toBe(ok);
    // the age and the minimum ride along as data, for a console to say in its own language
    if (!ok) expect(v).toMatchObject({ code: 'CARE_GRADE_INELIGIBLE', details: { reason: 'AGE', minAge: 60, age: 59 } });
  });

  it('says why as data: missing, grade too low, basic-guarantee rule', () => {
    expect(checkCareEligibility(p, 'HOME_CARE', null, now)).toMatchObject({ details: { reason: 'MISSING' } });
    expect(checkCareEligibility(p, 'CARE_HOME', { ...fresh('2026-01-01'), grade: 0 }, now)).toMatchObject({
      code: 'CARE_GRADE_INELIGIBLE',
      details: { reason: 'GRADE', grade: 0, minGrade: p.eligibility.careHomeMinGrade },
    });
    expect(checkCareEligibility(p, 'CARE_HOME', { ...fresh('2026-01-01'), grade: 2 }, now, { basicGuaranteeBed: true })).toMatchObject({
      details: { reason: 'BASIC_GUARANTEE', minGrade: p.eligibility.basicGuarantee.minGrade },
    });
  });

  it('medical beds have no age rule', () => {
    expect(checkCareEligibility(p, 'COMMUNITY', null, now, { birthDate: '2000-01-01' }).ok).toBe(true);
  });

  it.each([
    ['2024-11-24', true], // 2 years - 1 day ago
    ['2024-11-23', false], // 2 years ago: the two years are over
    ['2024-11-22', false], // 2 years + 1 day
  ])('assessed on %s, seen on 2026-11-23 (Shanghai): valid=%s whatever expiresOn says', (assessedOn, ok) => {
    const v = checkCareEligibility(p, 'HOME_CARE', fresh(assessedOn), now);
    expect(v.ok).toBe(ok);
    if (!ok)
      expect(v).toMatchObject({
        code: 'CARE_GRADE_EXPIRED',
        details: { reason: 'EXPIRED', validUntil: assessedOn === '2024-11-23' ? '2026-11-22' : '2026-11-21' },
      });
  });

  it('the district may allow a longer validity and another minimum age', () => {
    const longer = { ...p, eligibility: { ...p.eligibility, assessmentValidYears: 3, minAge: 65 } };
    expect(checkCareEligibility(longer, 'HOME_CARE', fresh('2024-11-22'), now, { birthDate: '1950-01-01' }).ok).toBe(true);
    expect(checkCareEligibility(longer, 'HOME_CARE', fresh('2026-01-01'), now, { birthDate: '1962-01-01' }).ok).toBe(false);
  });

  it('expiry is compared on the Shanghai date: at 16:30 UTC it is already the next day there', () => {
    const last = { ...fresh('2026-01-01'), expiresOn: '2026-11-23' };
    expect(checkCareEligibility(p, 'CARE_HOME', last, at('2026-11-23T15:59:59Z')).ok).toBe(true); // 23:59:59 in Shanghai
    expect(checkCareEligibility(p, 'CARE_HOME', last, at('2026-11-23T16:00:00Z'))).toMatchObject({ ok: false, code: 'CARE_GRADE_EXPIRED' }); // 00:00 on the 24th
    // and the 60th birthday begins at Shanghai midnight too
    expect(checkCareEligibility(p, 'CARE_HOME', fresh('2026-01-01'), at('2026-11-23T15:59:59Z'), { birthDate: '1966-11-24' }).ok).toBe(false);
    expect(checkCareEligibility(p, 'CARE_HOME', fresh('2026-01-01'), at('2026-11-23T16:00:00Z'), { birthDate: '1966-11-24' }).ok).toBe(true);
  });

  it('a 29 February assessment lasts until 28 February two years on', () => {
    expect(checkCareEligibility(p, 'CARE_HOME', fresh('2024-02-29'), at('2026-02-28T03:00:00Z')).ok).toBe(true);
    expect(checkCareEligibility(p, 'CARE_HOME', fresh('2024-02-29'), at('2026-03-01T03:00:00Z')).ok).toBe(false);
  });
});
