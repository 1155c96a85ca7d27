import { DataSource } from 'typeorm';
import { auditHash, GENESIS_HASH } from '@bedlink/domain';

export interface AuditBreak {
  seq: string;
  aggregateType: string;
  aggregateId: string;
  aggregateSeq: number;
  problem: 'HASH_MISMATCH' | 'BROKEN_LINK' | 'SEQUENCE_GAP' | 'HEAD_MISMATCH';
}
export interface AuditReport {
  ok: boolean;
  records: number;
  chains: number;
  firstBreak?: AuditBreak;
}

const HEAD_TABLES: Record<string, string> = { Referral: 'referrals', Bed: 'beds', Institution: 'institutions', Patient: 'patients', DistrictPolicy: 'district_policies', Programme: 'home_programmes', Agreement: 'cooperation_agreements', ApiKey: 'api_keys', WebhookSubscription: 'webhook_subscriptions' };

/**
 * Recomputes every per-aggregate hash chain (or one aggregate's) and names the first record
 * that does not match. Also checks each chain's last hash against the head kept on the
 * aggregate row, so deleting the tail of a chain is caught too. Reads in keyset pages.
 */
/** The aggregates of one district: what a district's auditor may verify (and so count). */
const DISTRICT_AGGREGATES = (p: string) => `aggregate_id IN (
  SELECT id FROM referrals WHERE district_id = ${p} UNION SELECT id FROM institutions WHERE district_id = ${p}
  UNION SELECT id FROM district_policies WHERE district_id = ${p} UNION SELECT id FROM cooperation_agreements WHERE district_id = ${p}
  UNION SELECT b.id FROM beds b JOIN institutions i ON i.id = b.institution_id WHERE i.district_id = ${p}
  UNION SELECT h.id FROM home_programmes h JOIN institutions i ON i.id = h.institution_id WHERE i.district_id = ${p}
  UNION SELECT t.id FROM patients t JOIN institutions i ON i.id = t.registered_by_institution WHERE i.district_id = ${p})`;

export async function verifyAuditChains(ds: DataSource, opts: { aggregateId?: string; districtId?: string; pageSize?: number } = {}): Promise<AuditReport> {
  const pageSize = opts.pageSize ?? 5000;
  let records = 0;
  let chains = 0;
  let cursor: { id: string; seq: number } | null = null;
  let current: { id: string; type: string; seq: number; hash: string } | null = null;
  const heads: { type: string; id: string; seq: number; hash: string }[] = [];

  const closeChain = () => {
    if (current) heads.push({ type: current.type, id: current.id, seq: current.seq, hash: current.hash });
  };

  for (;;) {
    const params: unknown[] = [pageSize];
    let where = '';
    if (opts.aggregateId) {
      params.push(opts.aggregateId);
      where = `WHERE aggregate_id = $2`;
      if (cursor) { params.push(cursor.seq); where += ` AND aggregate_seq > $3`; }
    } else if (cursor) {
      params.push(cursor.id, cursor.seq);
      where = `WHERE (aggregate_id, aggregate_seq) > ($2::uuid, $3)`;
    }
    if (opts.districtId) {
      params.push(opts.districtId);
      where += `${where ? ' AND' : 'WHERE'} ${DISTRICT_AGGREGATES(`$${params.length}`)}`;
    }
    const rows: any[] = await ds.query(
      `SELECT seq::text, aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, reason, correlation_id, causation_id, occurred_at, prev_hash, hash
       FROM audit_log ${where} ORDER BY aggregate_id, aggregate_seq LIMIT $1`,
      params,
    );
    for (const r of rows) {
      records++;
      if (!current || current.id !== r.aggregate_id) {
        closeChain();
        chains++;
        current = { id: r.aggregate_id, type: r.aggregate_type, seq: 0, hash: GENESIS_HASH };
      }
      const at = { seq: r.seq, aggregateType: r.aggregate_type, aggregateId: r.aggregate_id, aggregateSeq: r.aggregate_seq };
      if (r.aggregate_seq !== current.seq + 1) return { ok: false, records, chains, firstBreak: { ...at, problem: 'SEQUENCE_GAP' } };
      if (r.prev_hash !== current.hash) return { ok: false, records, chains, firstBreak: { ...at, problem: 'BROKEN_LINK' } };
      const expected = auditHash({
        aggregateType: r.aggregate_type,
        aggregateId: r.aggregate_id,
        aggregateSeq: r.aggregate_seq,
        eventId: r.event_id,
        eventType: r.event_type,
        payload: r.payload,
        actorUser: r.actor_user,
        actorRole: r.actor_role,
        actorInstitution: r.actor_institution,
        reason: r.reason,
        correlationId: r.correlation_id,
        causationId: r.causation_id,
        occurredAt: r.occurred_at,
        prevHash: r.prev_hash,
      });
      if (expected !== r.hash) return { ok: false, records, chains, firstBreak: { ...at, problem: 'HASH_MISMATCH' } };
      current.seq = r.aggregate_seq;
      current.hash = r.hash;
    }
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1];
    cursor = { id: last.aggregate_id, seq: last.aggregate_seq };
  }
  closeChain();

  // Chain heads on the aggregate rows: a truncated chain no longer ends where its aggregate says.
  for (const [type, table] of Object.entries(HEAD_TABLES)) {
    const ids = heads.filter((h) => h.type === type);
    if (!ids.length) continue;
    const stored: any[] = await ds.query(`SELECT id, chain_seq, chain_hash FROM ${table} WHERE id = ANY($1::uuid[])`, [ids.map((h) => h.id)]);
    const byId = new Map(stored.map((s) => [s.id, s]));
    for (const h of ids) {
      const s = byId.get(h.id);
      if (s && (s.chain_seq !== h.seq || s.chain_hash !== h.hash)) {
        return { ok: false, records, chains, firstBreak: { seq: '?', aggregateType: type, aggregateId: h.id, aggregateSeq: s.chain_seq, problem: 'HEAD_MISMATCH' } };
      }
    }
  }
  return { ok: true, records, chains };
}
