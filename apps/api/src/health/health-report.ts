/**
 * What the unauthenticated /health endpoints may say about a dependency: up or down, and the
 * numbers operators read (queue lag, waiting counts). Error text (driver messages with hosts,
 * ports, user names) stays in the logs.
 */
type Entry = Record<string, unknown>;

function entry(v: unknown): Entry {
  const e = (v ?? {}) as Entry;
  const out: Entry = { status: e.status === 'up' ? 'up' : 'down' };
  for (const [k, x] of Object.entries(e)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}

function section(v: unknown): Record<string, Entry> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, entry(x)]));
}

export function publicHealth(report: unknown): {
  status?: string;
  info?: Record<string, Entry>;
  error?: Record<string, Entry>;
  details?: Record<string, Entry>;
} {
  const r = (report ?? {}) as Record<string, unknown>;
  return { status: typeof r.status === 'string' ? r.status : undefined, info: section(r.info), error: section(r.error), details: section(r.details) };
}

export function publicDetails(details: unknown): Record<string, Entry> | undefined {
  return section(details);
}
