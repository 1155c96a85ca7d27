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
  eventId: string;
  type: string;
  aggregateId: string;
  occurredAt: string;
}

/**
 * Referral KPIs kept from a batch of events, in one statement with their inbox rows, so each event
 * counts once: the counters and the time-to-accept histogram take the events whose inbox row was
 * fresh. Time-to-accept runs from the referral's submission (its first ReferralSubmitted audit
 * record) to the acceptance. The batch's increments are summed and written in key order, so two
 * workers' batches lock the rows in the same order. One statement needs no transaction: a batch is
 * one round trip (it was BEGIN, the inbox, a read and one to four writes per event, and COMMIT, which
 * kept the KPI queue a second behind under load). Returns the event ids that were fresh.
 */
export async function claimInboxAndApplyKpis(q: Pick<EntityManager, 'query'>, events: readonly KpiEvent[]): Promise<Set<string>> {
  if (!events.length) return new Set();
  const rows: { event_id: string }[] = await q.query(
    `WITH fresh AS (
       INSERT INTO inbox (consumer, event_id) SELECT DISTINCT 'kpis', e FROM unnest($1::uuid[]) AS e
       ON CONFLICT DO NOTHING RETURNING event_id),
     ev AS (
       SELECT e.* FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[], $5::text[]) AS e(event_id, type, aggregate_id, occurred_at, counter)
       JOIN fresh USING (event_id)),
     tta AS (
       SELECT greatest(0, extract(epoch from ev.occurred_at - s.occurred_at))::float8 AS secs
         FROM ev CROSS JOIN LATERAL (
           SELECT a.occurred_at FROM audit_log a
            WHERE a.aggregate_id = ev.aggregate_id AND a.event_type = 'ReferralSubmitted' ORDER BY a.aggregate_seq LIMIT 1) s
        WHERE ev.type = 'OfferAccepted'),
     counters AS (
       INSERT INTO kpi_counters (name, value)
       SELECT name, sum(v) FROM (
         SELECT counter AS name, 1::float8 AS v FROM ev WHERE counter IS NOT NULL
         UNION ALL SELECT 'time_to_accept_sum', secs FROM tta
         UNION ALL SELECT 'time_to_accept_count', 1 FROM tta) c
       GROUP BY name ORDER BY name
       ON CONFLICT (name) DO UPDATE SET value = kpi_counters.value + EXCLUDED.value),
     buckets AS (
       INSERT INTO kpi_time_to_accept (le, n)
       SELECT coalesce((SELECT min(b) FROM unnest($6::float8[]) AS b WHERE tta.secs <= b), 'Infinity'::float8), count(*)
         FROM tta GROUP BY 1 ORDER BY 1
       ON CONFLICT (le) DO UPDATE SET n = kpi_time_to_accept.n + EXCLUDED.n)
     SELECT event_id::text FROM fresh`,
    [
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.aggregateId),
      events.map((e) => e.occurredAt),
      events.map((e) => COUNTER_OF[e.type] ?? null),
      [...TIME_TO_ACCEPT_BUCKETS],
    ],
  );
  return new Set(rows.map((r) => r.event_id));
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
