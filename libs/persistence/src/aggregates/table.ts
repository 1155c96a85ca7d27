/*
 * The columns the unit of work writes, one list per table. The INSERT/UPDATE text and its parameter array are
 * both built from that list, and the values come as a record keyed by it: a column added to the list and not to
 * the values (or the other way round) fails typecheck. `npm run schema:check` checks the lists against the
 * migrated schema (WRITTEN_TABLES).
 */

export type Query = (sql: string, params?: unknown[]) => Promise<any[]>;

export interface Table<C extends string = string, U extends string = string> {
  readonly name: string;
  /** Every column an INSERT names. */
  readonly columns: readonly C[];
  /** The columns an UPDATE of the root row sets (besides version=version+1). */
  readonly update: readonly U[];
}

export function table<const C extends string, const U extends string = never>(name: string, columns: readonly C[], update: readonly U[] = []): Table<C, U> {
  return { name, columns, update };
}

export type Values<T extends Table> = T extends Table<infer C, any> ? Record<C, unknown> : never;
export type UpdateValues<T extends Table> = T extends Table<any, infer U> ? Record<U, unknown> : never;

/**
 * One INSERT of every row (one round trip however many rows); `tail` is the ON CONFLICT clause, if any.
 * Nothing to insert, nothing sent.
 */
export async function insertRows<C extends string>(q: Query, t: Table<C, any>, rows: readonly Record<C, unknown>[], tail = ''): Promise<void> {
  if (!rows.length) return;
  const { tuples, params } = valuesList(rows.map((r) => t.columns.map((c) => r[c])));
  await q(`INSERT INTO ${t.name} (${t.columns.join(', ')}) VALUES ${tuples}${tail ? ` ${tail}` : ''}`, params);
}

/** Rows of values as a VALUES list, `($1,$2),($3,$4)`, and its parameters in that order. */
export function valuesList(rows: readonly (readonly unknown[])[]): { tuples: string; params: unknown[] } {
  const params: unknown[] = [];
  return { tuples: rows.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(',')})`).join(','), params };
}

/** `ON CONFLICT (id) DO UPDATE SET c=EXCLUDED.c, ...` for child rows that change after they are written. */
export function upsertOn(conflict: string, columns: readonly string[]): string {
  return `ON CONFLICT (${conflict}) DO UPDATE SET ${columns.map((c) => `${c}=EXCLUDED.${c}`).join(', ')}`;
}

/** The guarded UPDATE of a root row: `SET <update columns>, version=version+1 WHERE id=$1 AND version=$2`. */
export function updateSql(t: Table): string {
  return `UPDATE ${t.name} SET ${t.update.map((c, i) => `${c}=$${i + 3}`).join(', ')}, version=version+1 WHERE id=$1 AND version=$2`;
}

export function updateParams<C extends string, U extends string>(t: Table<C, U>, id: string, version: number, values: Record<U, unknown>): unknown[] {
  return [id, version, ...t.update.map((c) => values[c])];
}
