import type { Query } from './aggregates/table';

/**
 * A unit of work's writes, gathered at flush and sent as one statement: the root rows, their children, the
 * audit records, the outbox rows and the command's result.
 *
 * Why: node-postgres does not pipeline, so every statement is a round trip that wakes Postgres and then the
 * worker. A command's flush was one statement per root row, one per child table changed, and one for the
 * audit, outbox and result (3 to 6 on the referral path): each a wake-up on a 2-core machine where the
 * closed loop spends its time waiting for a core (docs/performance.md, "One-statement flush").
 *
 * How: every write becomes a data-modifying CTE `wN AS (<write> RETURNING 1)`, and the outer SELECT counts
 * each CTE, in the order the writes were made. Postgres runs a data-modifying CTE that nothing reads in an
 * order of its own (measured: the last one first); reading each in the SELECT list runs them one after the
 * other, in that list's order. The order matters: a trigger on offers reads the referral the previous write
 * updated, and a bed given up must be left before another bed takes its occupant (a unique index, checked
 * row by row). Foreign keys are checked at the end of the statement, so a child written beside its new
 * parent is fine either way.
 *
 * The version guard is raised inside the statement: a guarded UPDATE that matched no row calls
 * bedlink_version_conflict(id) (SQLSTATE BL409, migration 1735400000000), which aborts the transaction. The
 * unit of work sends COMMIT behind the statement without waiting for its answer, and a COMMIT of an aborted
 * transaction rolls it back: a count read by the worker after the statement would come too late.
 *
 * A statement takes at most 65,535 parameters: a flush bigger than MAX_PARAMS (a bulk import) goes in as
 * few statements as fit, still in order.
 */

/** Below Postgres' 65,535 bind parameters per statement. */
export const MAX_PARAMS = 60_000;

interface Write {
  sql: string;
  params: unknown[];
  /** The row id whose guarded UPDATE must match a row (BL409, VERSION_CONFLICT, otherwise). */
  guard?: string;
}

export class WriteBatch {
  private readonly writes: Write[] = [];

  /** Queues a write; answers no rows (nothing the adapters write is read back). */
  readonly q: Query = (sql, params = []) => {
    this.add(sql, params);
    return Promise.resolve([]);
  };

  add(sql: string, params: unknown[], guard?: string): void {
    if (/\$\$|RETURNING/i.test(sql)) throw new Error(`a batched write is a plain INSERT or UPDATE: ${sql.slice(0, 80)}`);
    this.writes.push({ sql, params, guard });
  }

  get size(): number {
    return this.writes.length;
  }

  /** The statements to send, in order: one, unless the writes hold more than MAX_PARAMS parameters. */
  statements(): { sql: string; params: unknown[] }[] {
    const out: { sql: string; params: unknown[] }[] = [];
    let chunk: Write[] = [];
    let n = 0;
    for (const w of this.writes) {
      // a guard's id is one parameter more
      const k = w.params.length + (w.guard === undefined ? 0 : 1);
      if (chunk.length && n + k > MAX_PARAMS) {
        out.push(combine(chunk));
        chunk = [];
        n = 0;
      }
      chunk.push(w);
      n += k;
    }
    if (chunk.length) out.push(combine(chunk));
    return out;
  }
}

function combine(writes: Write[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const ctes = writes.map((w, i) => {
    const offset = params.length;
    params.push(...w.params);
    const sql = offset ? w.sql.replace(/\$(\d+)/g, (_, k: string) => `$${Number(k) + offset}`) : w.sql;
    return `w${i} AS (${sql} RETURNING 1)`;
  });
  const counts = writes.map((w, i) =>
    w.guard === undefined
      ? `(SELECT count(*) FROM w${i})::int AS w${i}`
      : `CASE WHEN (SELECT count(*) FROM w${i}) = 0 THEN bedlink_version_conflict($${params.push(w.guard)}) ELSE 1 END AS w${i}`,
  );
  return { sql: `WITH ${ctes.join(', ')} SELECT ${counts.join(', ')}`, params };
}
