/** Dates relative to the run's today, so fixtures never expire under a suite (no time bombs). */
const DAY = 86_400_000;

/** YYYY-MM-DD, `days` from today (UTC). */
export function isoDay(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}

/** An instant `days` from now, ISO 8601. */
export function isoInstant(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString();
}

/** Today's date in Shanghai (+08:00), where the engine's calendar days are counted. */
export function shanghaiDay(days = 0): string {
  return new Date(Date.now() + 8 * 3_600_000 + days * DAY).toISOString().slice(0, 10);
}

/** The same calendar day `years` earlier (29 February falls back to 28 February). */
export function yearsBefore(day: string, years: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y - years, m - 1, d));
  if (t.getUTCMonth() !== m - 1) t.setUTCDate(0);
  return t.toISOString().slice(0, 10);
}

/** `day` moved by `days` calendar days. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}
