import { addBusinessTime, defaultPolicy } from '@bedlink/domain';
import { nationalCalendar, withNationalCalendar } from './national-calendar';

const NOW = new Date('2026-06-01T00:00:00Z');

describe('holidays and make-up workdays from chinese-days, overridable per district', () => {
  it('knows the State Council calendar: National Day off, the Saturday before it worked', () => {
    const nat = nationalCalendar(NOW);
    expect(nat.holidays).toEqual(expect.arrayContaining(['2026-10-01', '2026-10-02', '2026-10-05', '2026-02-16']));
    expect(nat.extraWorkdays).toEqual(expect.arrayContaining(['2026-09-20', '2026-10-10']));
    // weekends are weekends already: only weekday holidays and weekend workdays are listed
    expect(nat.holidays).not.toContain('2026-10-03');
  });

  it('a ROUTINE deadline skips the national holidays without the district typing them', () => {
    const doc = withNationalCalendar({ ...defaultPolicy('x'), calendar: { ...defaultPolicy('x').calendar, routineOnBusinessHours: true } }, NOW);
    // Wednesday 30 September 2026, 16:00 in Shanghai, 4 working hours: 1 h that day, then 1-7 October are off
    // (the 8th is a normal Thursday), so it falls due on 8 October at 11:30
    const due = addBusinessTime(new Date('2026-09-30T08:00:00Z'), 4 * 3_600_000, doc.calendar);
    expect(due.toISOString()).toBe('2026-10-08T03:30:00.000Z');
  });

  it('the policy file overrides: a district holiday, a district workday, or no national data at all', () => {
    const base = defaultPolicy('x');
    const doc = withNationalCalendar({ ...base, calendar: { ...base.calendar, holidays: ['2026-09-20'], extraWorkdays: ['2026-10-05'] } }, NOW);
    expect(doc.calendar.holidays).toContain('2026-09-20');
    expect(doc.calendar.extraWorkdays).not.toContain('2026-09-20');
    expect(doc.calendar.extraWorkdays).toContain('2026-10-05');
    expect(doc.calendar.holidays).not.toContain('2026-10-05');
    const none = withNationalCalendar({ ...base, calendar: { ...base.calendar, holidaySource: 'NONE' } }, NOW);
    expect(none.calendar.holidays).toEqual([]);
  });
});
