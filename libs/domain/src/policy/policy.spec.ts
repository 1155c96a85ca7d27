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
