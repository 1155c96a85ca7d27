import { DataSource } from 'typeorm';
import { verifyAuditChains } from '@bedlink/persistence';
import { violations } from '../test/faults/invariants';

type Query = (sql: string, params?: unknown[]) => Promise<any[]>;

export interface InvariantReport {
  ok: boolean;
  /** The fault suite's state invariants (no double booking, one live hold per bed, …): violated ones with rows. */
  state: Record<string, unknown[]>;
  /** Lifecycles the load driver saw complete: each must be COMPLETED with exactly one ReferralCompleted. */
  lifecycles: { completedByDriver: number; notCompletedInDatabase: string[]; completedTwice: string[] };
  audit: { ok: boolean; records: number; chains: number; firstBreak?: unknown };
}

/**
 * After a bench run, on its database: the state invariants the fault suite checks (queries planted
 * against in test/fault-invariants.e2e-spec.ts), every lifecycle the driver saw complete completed
 * exactly once in effect, and the audit trail verifies from genesis. A bench that is fast because it
 * double-books, or loses or repeats a lifecycle, must not pass.
 */
export async function checkInvariants(query: Query, completedReferralIds: string[]): Promise<InvariantReport> {
  const state = await violations((sql) => query(sql));
  const rows: { id: string; state: string; completions: number }[] = await query(
    `SELECT r.id, r.state, (SELECT count(*)::int FROM audit_log a WHERE a.aggregate_id = r.id AND a.event_type = 'ReferralCompleted') AS completions
       FROM referrals r WHERE r.id = ANY($1::uuid[])`,
    [completedReferralIds],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const notCompletedInDatabase = completedReferralIds.filter((id) => byId.get(id)?.state !== 'COMPLETED' || byId.get(id)!.completions === 0).slice(0, 10);
  // anywhere in the database, not only the driver's: a retried command must not complete a second time
  const completedTwice: string[] = (
    await query(`SELECT aggregate_id AS id FROM audit_log WHERE event_type = 'ReferralCompleted' GROUP BY aggregate_id HAVING count(*) > 1 LIMIT 10`)
  ).map((r: { id: string }) => r.id);
  // the verifier only queries: a transaction's query runner (the tests plant inside one) serves as well
  const a = await verifyAuditChains({ query } as unknown as DataSource);
  const report: InvariantReport = {
    ok: false,
    state,
    lifecycles: { completedByDriver: completedReferralIds.length, notCompletedInDatabase, completedTwice },
    audit: { ok: a.ok, records: a.records, chains: a.chains, ...(a.firstBreak ? { firstBreak: a.firstBreak } : {}) },
  };
  report.ok = !Object.keys(state).length && !notCompletedInDatabase.length && !completedTwice.length && a.ok;
  return report;
}
