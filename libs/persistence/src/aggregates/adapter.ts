import { AggregateRoot, ErrorCode } from '@bedlink/domain';
import { PiiCipher } from '../pii-cipher';
import { insertRows, Query, Table, upsertOn } from './table';

export type Row = Record<string, any>;

export const d = (v: Date | string | number | null | undefined): Date | null =>
  v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v));

/** What an adapter gets to write one aggregate at the end of the transaction. */
export interface Save {
  readonly q: Query;
  readonly cipher: PiiCipher;
  readonly now: Date;
  /** Where the aggregate's audit chain stands after this command: the root row keeps it. */
  readonly chain: { chain_seq: number; chain_hash: string | null };
  /** The child entities that differ from what was loaded (all of them for a new aggregate). */
  changed<X extends { id: string }>(xs: readonly X[]): X[];
  /** The root row's UPDATE guarded by the version it was loaded at: VERSION_CONFLICT when no row matched. */
  update<C extends string, U extends string>(t: Table<C, U>, id: string, version: number, values: Record<U, unknown>): Promise<void>;
}

/**
 * How one aggregate type lives in the database: its root table and how to load it (the generic loader in the
 * unit of work locks the root row and calls `children` on it, one statement), and how to write it back.
 */
export interface AggregateAdapter<A extends AggregateRoot> {
  readonly table: Table;
  /** Every table the adapter writes, root first (schema:check checks their columns). */
  readonly tables: readonly Table[];
  readonly notFound: { code: ErrorCode; what: string };
  /** SELECT ... FOR UPDATE on the root row. */
  readonly lock: boolean;
  /** An extra condition on the root row (e.g. only live rows). */
  readonly where?: string;
  /**
   * The VOLATILE function (migration 1735300000001) that answers, as one json object, the child columns
   * merged into the root row before fromRow. The loader calls it above the lock: it runs after the lock is
   * granted, on a fresh snapshot.
   */
  readonly children?: string;
  fromRow(row: Row, cipher: PiiCipher): A;
  /** Child entities remembered as loaded, so that only the changed ones are written back. */
  childEntities?(a: A): readonly { id: string }[];
  insert(a: A, s: Save): Promise<void>;
  /** Root row only; children are written by saveChildren, after it. */
  update(a: A, s: Save): Promise<void>;
  saveChildren?(a: A, s: Save): Promise<void>;
  /** Outbox priority of the aggregate's events (default 3). */
  priority?(a: A): number;
}

/**
 * One child table's write: the children that changed since load, as rows of `t` in one INSERT, upserted
 * on id over `change` when a child changes after it is written (none: children only ever added).
 */
export async function writeChildren<C extends string, X extends { id: string }>(
  s: Save,
  t: Table<C, any>,
  children: readonly X[],
  row: (x: X) => Record<C, unknown>,
  change?: readonly string[],
): Promise<void> {
  await insertRows(s.q, t, s.changed(children).map(row), change ? upsertOn('id', change) : '');
}
