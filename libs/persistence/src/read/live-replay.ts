import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LiveEvent } from '@bedlink/contracts';
import { Actor, DISTRICT_ROLES } from '@bedlink/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a reconnecting event stream missed (SSE `Last-Event-ID`), read from the outbox: the live
 * channel is fire-and-forget, the outbox keeps every event for OUTBOX_RETENTION_MS. The caller
 * filters by visibility, as for live events.
 */
@Injectable()
export class LiveReplayReads {
  constructor(private readonly ds: DataSource) {}

  /**
   * Events after `lastEventId`, oldest first, at most `limit` (+1 to tell the caller there are
   * more). null: the id is not an event the outbox still holds (pruned, or never one of ours).
   */
  async after(lastEventId: string, limit: number, actor?: Actor): Promise<LiveEvent[] | null> {
    if (!UUID.test(lastEventId)) return null;
    const [from] = await this.ds.query(`SELECT id FROM outbox WHERE event_id = $1`, [lastEventId]);
    if (!from) return null;
    // The stream's own scope in SQL (the same fields liveEventVisibleTo and the live channels read),
    // so `limit` counts the events this stream would have received, not the whole city's.
    const params: unknown[] = [from.id, limit + 1];
    let scope = '';
    if (actor && DISTRICT_ROLES.includes(actor.role)) {
      if (actor.districtId) {
        params.push(actor.districtId);
        scope = ` AND payload->>'districtId' = $3`;
      }
    } else if (actor) {
      params.push(actor.institutionId ?? '');
      scope = ` AND (payload->>'originInstitutionId' = $3 OR payload->>'targetInstitutionId' = $3 OR payload->>'institutionId' = $3
                 OR (jsonb_typeof(payload->'involved') = 'array' AND payload->'involved' ? $3))`;
    }
    const rows: { event_id: string; event_type: string; aggregate_type: string; aggregate_id: string; payload: Record<string, unknown>; created_at: Date }[] =
      await this.ds.query(
        `SELECT event_id, event_type, aggregate_type, aggregate_id, payload, created_at FROM outbox
          WHERE id > $1 AND aggregate_type <> 'Patient'${scope} ORDER BY id LIMIT $2`,
        params,
      );
    return rows.map((r) => ({
      id: r.event_id,
      type: r.event_type,
      aggregateType: r.aggregate_type,
      aggregateId: r.aggregate_id,
      occurredAt: new Date(r.created_at).toISOString(),
      payload: r.payload,
    }));
  }
}
