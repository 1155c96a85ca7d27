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

/** What the KPIs read of an event. */
export interface KpiEvent {
  type: string;
  aggregateId: string;
  occurredAt: string;
}

/**
 * Referral KPIs kept from a batch of events (run in the transaction that writes their inbox rows, so
 * each event counts once). Time-to-accept runs from the referral's submission (its audit record) to
 * the acceptance. The batch's increments are summed first: one read of the submissions and one write
 * for the whole batch, however many events it holds (a statement or four per event before, which
 * kept the KPI queue behind under load). Rows are written in key order, so two workers' batches
 * lock them in the same order.
 */
export async function applyKpis(em: EntityManager, events: readonly KpiEvent[]): Promise<void> {
  const counters = new Map<string, number>();
  const add = (name: string, by: number) => counters.set(name, (counters.get(name) ?? 0) + by);
  for (const e of events) if (COUNTER_OF[e.type]) add(COUNTER_OF[e.type], 1);
  const buckets = new Map<number, number>();
  const accepted = events.filter((e) => e.type === 'OfferAccepted');
  if (accepted.length) {
    const submitted: { id: string; occurred_at: Date }[] = await em.query(
      `SELECT DISTINCT ON (aggregate_id) aggregate_id::text AS id, occurred_at FROM audit_log
        WHERE aggregate_id = ANY($1::uuid[]) AND event_type = 'ReferralSubmitted' ORDER BY aggregate_id, aggregate_seq`,
      [[...new Set(accepted.map((e) => e.aggregateId))]],
    );
    const at = new Map(submitted.map((r) => [r.id, new Date(r.occurred_at).getTime()]));
    for (const e of accepted) {
      const sub = at.get(e.aggregateId);
      if (sub === undefined) continue;
      const secs = Math.max(0, (new Date(e.occurredAt).getTime() - sub) / 1000);
      const le = TIME_TO_ACCEPT_BUCKETS.find((b) => secs <= b) ?? Infinity;
      buckets.set(le, (buckets.get(le) ?? 0) + 1);
      add('time_to_accept_sum', secs);
      add('time_to_accept_count', 1);
    }
  }
  if (!counters.size) return;
  const names = [...counters.keys()].sort();
  const les = [...buckets.keys()].sort((a, b) => a - b);
  await em.query(
    `WITH counters AS (
       INSERT INTO kpi_counters (name, value) SELECT * FROM unnest($1::text[], $2::float8[])
       ON CONFLICT (name) DO UPDATE SET value = kpi_counters.value + EXCLUDED.value RETURNING 1)
     INSERT INTO kpi_time_to_accept (le, n) SELECT * FROM unnest($3::float8[], $4::bigint[])
     ON CONFLICT (le) DO UPDATE SET n = kpi_time_to_accept.n + EXCLUDED.n`,
    [names, names.map((n) => counters.get(n)), les.map((le) => (le === Infinity ? 'Infinity' : le)), les.map((le) => buckets.get(le))],
  );
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
