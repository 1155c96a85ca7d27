import { isHoliday, isWorkday } from 'chinese-days';
import { DistrictPolicyDoc } from '@bedlink/domain';

const DAY = 86_400_000;

/** The State Council's public holidays (on weekdays) and weekend make-up workdays (调休) of some years. */
export interface NationalCalendar {
  holidays: string[];
  extraWorkdays: string[];
}

let cached: { years: string; cal: NationalCalendar } | undefined;

/**
 * Holidays and make-up workdays from the maintained `chinese-days` data, for the year before, this
 * year and the next (a deadline never runs further). Computed once per process and year.
 */
export function nationalCalendar(now = new Date()): NationalCalendar {
  const y = now.getUTCFullYear();
  const years = `${y - 1}-${y + 1}`;
  if (cached?.years === years) return cached.cal;
  const cal: NationalCalendar = { holidays: [], extraWorkdays: [] };
  for (let t = Date.UTC(y - 1, 0, 1); t < Date.UTC(y + 2, 0, 1); t += DAY) {
    const iso = new Date(t).toISOString().slice(0, 10);
    const weekend = [0, 6].includes(new Date(t).getUTCDay());
    // the package answers false for years it has no data for: those years have only weekends
    if (!weekend && isHoliday(iso)) cal.holidays.push(iso);
    else if (weekend && isWorkday(iso)) cal.extraWorkdays.push(iso);
  }
  cached = { years, cal };
  return cal;
}

/**
 * The calendar a district's deadlines run on: the national holidays and make-up workdays (unless the
 * policy says `holidaySource: "NONE"`), with the policy file's own lists on top. A district's
 * holiday wins over a national make-up workday and a district's workday over a national holiday,
 * so a district types only where it differs from the State Council, not the whole calendar.
 */
export function withNationalCalendar(doc: DistrictPolicyDoc, now = new Date()): DistrictPolicyDoc {
  const c = doc.calendar;
  if (c.holidaySource === 'NONE') return doc;
  const nat = nationalCalendar(now);
  const holidays = new Set([...nat.holidays.filter((d) => !c.extraWorkdays.includes(d)), ...c.holidays]);
  const extraWorkdays = new Set([...nat.extraWorkdays.filter((d) => !c.holidays.includes(d)), ...c.extraWorkdays]);
  return { ...doc, calendar: { ...c, holidays: [...holidays].sort(), extraWorkdays: [...extraWorkdays].sort() } };
}
