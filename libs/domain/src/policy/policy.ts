import { Direction } from '../beds/bed-kinds';
import { DomainError } from '../shared/errors';
import { OfferStrategy, Urgency } from '../referral/referral-machine';
import { CareAssessment } from '../patients/patient';

/**
 * A district's rules as data: deadlines, holds, eligibility, calendar. One validated document
 * per district (config/policies/<district>.json), changed only by an audited command.
 * Durations are written "500ms", "30s", "15m", "2h", "3d".
 */
export interface DistrictPolicyDoc {
  districtId: string;
  offerWindows: Record<Urgency, string>;
  /** Optional overrides per direction, e.g. a shorter UPWARD EMERGENCY window. */
  offerWindowsByDirection?: Partial<Record<Direction, Partial<Record<Urgency, string>>>>;
  reservationHold: Record<Urgency, string>;
  broadcastFanout: number;
  defaultStrategy: OfferStrategy;
  returnHoldDays: number;
  /**
   * Bed kinds whose occupant keeps their bed while up in hospital (return hold). Default CARE_HOME;
   * a district adds COMMUNITY to hold community rehab beds (SCENARIOS no. 5).
   */
  returnHoldKinds?: string[];
  /** Fractions of an offer window at which the receiver is warned. */
  deadlineWarnings: number[];
  eligibility: {
    /** REFUSE: the referral is refused with a code; FLAG: it goes to the district coordinator. */
    onFailure: 'REFUSE' | 'FLAG';
    careHomeMinGrade: number;
    homeCareMinGrade: number;
    basicGuarantee: { minGrade: number; cognitiveImpairmentQualifies: boolean; hardshipQualifies: boolean };
    /** The unified needs assessment is for people of this age and over (default 60). */
    minAge?: number;
    /** An assessment is valid for at most this many years from the day it was made (default 2), whatever its expiresOn says. */
    assessmentValidYears?: number;
  };
  calendar: {
    /** ROUTINE deadlines pause out of hours; URGENT and EMERGENCY always run on wall time. */
    routineOnBusinessHours: boolean;
    utcOffset: string;
    workingHours: { start: string; end: string };
    workingDays: number[];
    holidays: string[];
    /** Weekend days worked in lieu (调休). */
    extraWorkdays: string[];
    /**
     * NATIONAL (default): the State Council's holidays and make-up workdays (the chinese-days data) count
     * too, and `holidays` / `extraWorkdays` above only say where the district differs. NONE: only the lists above.
     */
    holidaySource?: 'NATIONAL' | 'NONE';
  };
  referral: {
    /** Whether institutions of one district may refer to each other without a cooperation agreement. */
    sameDistrictWithoutAgreement: boolean;
  };
  /** After acceptance: how long after the booked pickup a patient who has not left is a no-show (default 1h). */
  transport?: { pickupWindow: string };
  /** AUTO: a freed bed is offered to the first on the list at once; CONFIRM: when the institution's coordinator says so (default AUTO). */
  waitingList?: { dispatch: 'AUTO' | 'CONFIRM' };
  /**
   * A receiver answering an offer with "need more information": whether the offer's deadline
   * clock stops until the origin replies (absent: it keeps running).
   */
  moreInformation?: { pausesDeadline: boolean };
}

export const DEFAULT_PICKUP_WINDOW = '1h';

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';

export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new DomainError('VALIDATION_FAILED', `"${s}" is not a duration like 15m, 2h or 3d`);
  return Number(m[1]) * UNIT[m[2]];
}

// ------------------------------------------------------------------ business calendar
const offsetMs = (utcOffset: string) => {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(utcOffset)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
};
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Is the local date a working day: a working weekday not a holiday, or an extra workday? */
function isWorkingDay(cal: DistrictPolicyDoc['calendar'], localDate: Date): boolean {
  const iso = localDate.toISOString().slice(0, 10);
  if (cal.extraWorkdays.includes(iso)) return true;
  if (cal.holidays.includes(iso)) return false;
  const dow = localDate.getUTCDay() === 0 ? 7 : localDate.getUTCDay();
  return cal.workingDays.includes(dow);
}

/**
 * `start` plus `durationMs` of working time: the clock runs only inside working hours on working
 * days (local time of the district), so a ROUTINE offer made on Friday at 16:00 with an 8 h
 * window falls due on Monday afternoon, not on Saturday morning.
 */
export function addBusinessTime(start: Date, durationMs: number, cal: DistrictPolicyDoc['calendar']): Date {
  const off = offsetMs(cal.utcOffset);
  const open = minutesOf(cal.workingHours.start) * 60_000;
  const close = minutesOf(cal.workingHours.end) * 60_000;
  let local = start.getTime() + off; // "local" instant expressed as if UTC
  let left = durationMs;
  for (let guard = 0; guard < 3700 && left > 0; guard++) {
    const dayStart = Math.floor(local / 86_400_000) * 86_400_000;
    const day = new Date(dayStart);
    if (isWorkingDay(cal, day)) {
      const from = Math.max(local, dayStart + open);
      const to = dayStart + close;
      if (from < to) {
        const take = Math.min(left, to - from);
        left -= take;
        local = from + take;
        if (left === 0) break;
      }
    }
    local = dayStart + 86_400_000; // next local midnight
  }
  if (left > 0) throw new DomainError('VALIDATION_FAILED', 'the business calendar has no working time within ten years');
  return new Date(local - off);
}

/** When an offer made at `now` falls due under this policy. */
export function offerDeadline(p: DistrictPolicyDoc, urgency: Urgency, direction: Direction, now: Date): Date {
  const window = parseDuration(p.offerWindowsByDirection?.[direction]?.[urgency] ?? p.offerWindows[urgency]);
  if (urgency === 'ROUTINE' && p.calendar.routineOnBusinessHours) return addBusinessTime(now, window, p.calendar);
  return new Date(now.getTime() + window);
}

/** The calendar date (YYYY-MM-DD) at `now` in the district's time zone: Shanghai's, not UTC's. */
export function localDay(now: Date, utcOffset: string): string {
  return new Date(now.getTime() + offsetMs(utcOffset)).toISOString().slice(0, 10);
}

/** Whole years between a YYYY-MM-DD birth date and a YYYY-MM-DD day (a 29 February birthday counts on 1 March). */
export function ageOnDay(birthDate: string, day: string): number {
  const [y, m, d] = birthDate.split('-').map(Number);
  const [ty, tm, td] = day.split('-').map(Number);
  return ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
}

/** The last day an assessment made on `assessedOn` is valid when it lasts `years`: the day before its anniversary. */
export function lastValidDay(assessedOn: string, years: number): string {
  const [y, m, d] = assessedOn.split('-').map(Number);
  const anniversary = new Date(Date.UTC(y + years, m - 1, d));
  // 29 February + 2 years is 1 March (Date.UTC rolls over): the day before is 28 February
  return new Date(anniversary.getTime() - 86_400_000).toISOString().slice(0, 10);
}

/** The return-hold kinds of a district (default: care-home beds only). */
export function returnHoldKindsOf(p: DistrictPolicyDoc): readonly string[] {
  return p.returnHoldKinds ?? ['CARE_HOME'];
}

// ------------------------------------------------------------------ eligibility (老年照护统一需求评估)
/**
 * Why a placement is refused, as data (`details` of the error), so a console can say it in the
 * user's language: AGE (minAge, age), MISSING, EXPIRED (validUntil), GRADE (grade, minGrade),
 * BASIC_GUARANTEE (minGrade).
 */
export type EligibilityReason = 'AGE' | 'MISSING' | 'EXPIRED' | 'GRADE' | 'BASIC_GUARANTEE';
export type EligibilityVerdict =
  | { ok: true }
  | {
      ok: false;
      code: 'CARE_GRADE_MISSING' | 'CARE_GRADE_EXPIRED' | 'CARE_GRADE_INELIGIBLE';
      message: string;
      details: { reason: EligibilityReason } & Record<string, string | number>;
    };

/**
 * Placement into care beds needs a valid assessment of a high enough grade: CARE_HOME and
 * HOME_CARE by the district's minimum (LTCI services from grade 2); a basic-guarantee bed needs
 * grade ≥ 3, or diagnosed cognitive impairment, or a hardship category (each per policy).
 * The assessment is for people aged 60 and over (policy `minAge`); it lasts at most two years from
 * the day it was made (policy `assessmentValidYears`) and no later than its expiresOn. Days are the
 * district's calendar days (Shanghai, +08:00): at 23:30 UTC it is already tomorrow there.
 */
export function checkCareEligibility(
  p: DistrictPolicyDoc,
  kind: string,
  assessment: CareAssessment | null,
  today: Date,
  opts: { basicGuaranteeBed?: boolean; hardship?: boolean; birthDate?: string | null } = {},
): EligibilityVerdict {
  if (kind !== 'CARE_HOME' && kind !== 'HOME_CARE') return { ok: true };
  const day = localDay(today, p.calendar.utcOffset);
  const minAge = p.eligibility.minAge ?? 60;
  if (opts.birthDate && ageOnDay(opts.birthDate, day) < minAge)
    return {
      ok: false,
      code: 'CARE_GRADE_INELIGIBLE',
      message: `the unified elderly-care needs assessment is for people aged ${minAge} and over; the patient is ${ageOnDay(opts.birthDate, day)}`,
      details: { reason: 'AGE', minAge, age: ageOnDay(opts.birthDate, day) },
    };
  if (!assessment)
    return {
      ok: false,
      code: 'CARE_GRADE_MISSING',
      message: 'placement in a care bed needs a unified elderly-care needs assessment (老年照护统一需求评估)',
      details: { reason: 'MISSING' },
    };
  const years = p.eligibility.assessmentValidYears ?? 2;
  const last = [assessment.expiresOn, lastValidDay(assessment.assessedOn, years)].sort()[0];
  if (last < day)
    return {
      ok: false,
      code: 'CARE_GRADE_EXPIRED',
      message: `the care needs assessment of ${assessment.assessedOn} was valid until ${last} (at most ${years} years); a new assessment is needed`,
      details: { reason: 'EXPIRED', validUntil: last },
    };
  const min = kind === 'CARE_HOME' ? p.eligibility.careHomeMinGrade : p.eligibility.homeCareMinGrade;
  if (assessment.grade < min)
    return {
      ok: false,
      code: 'CARE_GRADE_INELIGIBLE',
      message: `care grade ${assessment.grade} is below the ${min} this district requires for ${kind}`,
      details: { reason: 'GRADE', grade: assessment.grade, minGrade: min },
    };
  if (opts.basicGuaranteeBed) {
    const bg = p.eligibility.basicGuarantee;
    const qualifies =
      assessment.grade >= bg.minGrade || (bg.cognitiveImpairmentQualifies && assessment.cognitiveImpairment) || (bg.hardshipQualifies && !!opts.hardship);
    if (!qualifies)
      return {
        ok: false,
        code: 'CARE_GRADE_INELIGIBLE',
        message: `a basic-guarantee bed needs grade ≥ ${bg.minGrade}, cognitive impairment or a hardship category`,
        details: { reason: 'BASIC_GUARANTEE', minGrade: bg.minGrade },
      };
  }
  return { ok: true };
}

/** Defaults when a district has no document (tests, new districts): national-default windows, no business calendar. */
export function defaultPolicy(districtId: string, over: Partial<Pick<DistrictPolicyDoc, 'offerWindows' | 'reservationHold'>> = {}): DistrictPolicyDoc {
  return {
    districtId,
    offerWindows: over.offerWindows ?? { EMERGENCY: '15m', URGENT: '2h', ROUTINE: '24h' },
    reservationHold: over.reservationHold ?? { EMERGENCY: '2h', URGENT: '12h', ROUTINE: '48h' },
    broadcastFanout: 3,
    defaultStrategy: 'BROADCAST',
    returnHoldDays: 14,
    deadlineWarnings: [0.5, 0.8],
    eligibility: {
      onFailure: 'REFUSE',
      careHomeMinGrade: 2,
      homeCareMinGrade: 2,
      basicGuarantee: { minGrade: 3, cognitiveImpairmentQualifies: true, hardshipQualifies: true },
    },
    calendar: {
      routineOnBusinessHours: false,
      utcOffset: '+08:00',
      workingHours: { start: '08:30', end: '17:00' },
      workingDays: [1, 2, 3, 4, 5],
      holidays: [],
      extraWorkdays: [],
    },
    referral: { sameDistrictWithoutAgreement: true },
  };
}
