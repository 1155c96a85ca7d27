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
