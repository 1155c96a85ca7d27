import { createHash } from 'node:crypto';

/**
 * Canonical JSON: keys sorted at every depth, no whitespace, undefined dropped, Dates as ISO
 * strings. The audit hash chain is computed over this form, so the same record always hashes
 * the same whether it comes from memory or back from a jsonb column.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
  return JSON.stringify(value);
}

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditHashInput {
  aggregateType: string;
  aggregateId: string;
  aggregateSeq: number;
  eventId: string;
  eventType: string;
  payload: unknown;
  actorUser: string;
  actorRole: string;
  actorInstitution: string | null;
  reason: string | null;
  correlationId: string | null;
  causationId: string | null;
  occurredAt: Date;
  prevHash: string;
}

/** SHA-256 of the record's canonical form, chained through prevHash within one aggregate. */
export function auditHash(r: AuditHashInput): string {
  return createHash('sha256').update(canonicalJson(r)).digest('hex');
}
