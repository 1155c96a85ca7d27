import { DataSource, EntityManager } from 'typeorm';

/** Upper bounds (seconds) of the time-to-accept histogram: a minute to two days. */
export const TIME_TO_ACCEPT_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 172800] as const;

export const KPI_EVENT_TYPES = ['OfferAccepted', 'OfferDeclined', 'OfferExpired', 'ReferralEscalated'] as const;

const COUNTER_OF: Record<string, string> = {
  OfferAccepted: 'offers_accepted',
  OfferDeclined: 'offers_declined',
  OfferExpired: 'offers_expired',
  ReferralEscalated: 'escalations',
};

/**
 * Referral KPIs kept from events (run in the transaction that writes the event's inbox row, so each event counts once).
 * Time-to-accept runs from the referral's submission (its audit record) to the acceptance.
 */
export async function applyKpis(em: EntityManager, type: string, aggregateId: string, occurredAt: string): Promise<void> {
  const counter = COUNTER_OF[type];
  if (!counter) return;
  await bump(em, counter, 1);
  if (type !== 'OfferAccepted') return;
  const [sub] = await em.query(
    `SELECT occurred_at FROM audit_log WHERE aggregate_id = $1 AND event_type = 'ReferralSubmitted' ORDER BY aggregate_seq LIMIT 1`,
    [aggregateId],
  );
  if (!sub) return;
  const secs = Math.max(0, (new Date(occurredAt).getTime() - new Date(sub.occurred_at).getTime()) / 1000);
  const le = TIME_TO_ACCEPT_BUCKETS.find((b) => secs <= b) ?? Infinity;
  await em.query(`INSERT INTO kpi_time_to_accept (le, n) VALUES ($1, 1) ON CONFLICT (le) DO UPDATE SET n = kpi_time_to_accept.n + 1`, [
    le === Infinity ? 'Infinity' : le,
  ]);
  await bump(em, 'time_to_accept_sum', secs);
  await bump(em, 'time_to_accept_count', 1);
}

async function bump(em: EntityManager, name: string, by: number): Promise<void> {
  await em.query(`INSERT INTO kpi_counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = kpi_counters.value + EXCLUDED.value`, [
    name,
    by,
  ]);
}

export interface KpiSnapshot {
  counters: Record<string, number>;
  /** Cumulative counts per upper bound, ending with +Inf. */
  timeToAccept: { le: number; cumulative: number }[];
}

export async function readKpis(ds: DataSource): Promise<KpiSnapshot> {
  const [counters, buckets] = await Promise.all([
    ds.query(`SELECT name, value FROM kpi_counters`),
    ds.query(`SELECT le, n::float AS n FROM kpi_time_to_accept`),
  ]);
  const c: Record<string, number> = {};
  for (const r of counters) c[r.name] = Number(r.value);
  const per = new Map<number, number>(buckets.map((b: any) => [Number(b.le), Number(b.n)]));
  let running = 0;
  const timeToAccept = [...TIME_TO_ACCEPT_BUCKETS, Infinity].map((le) => {
    running += per.get(le) ?? 0;
    return { le, cumulative: running };
  });
  return { counters: c, timeToAccept };
}
