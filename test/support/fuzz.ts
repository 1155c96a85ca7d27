import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What the route-driven suites (fuzz, read routes) share: the router's routes, a replayable PRNG, hostile shapes, the write model's fingerprint. */

/** Deterministic PRNG so a failing request can be replayed from its index. */
export function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RouterRoute {
  /** Upper case: GET, POST... */
  method: string;
  path: string;
}

/**
 * The routes Express holds for the Nest application with one of `methods` (lower case), read from the
 * running router rather than listed by hand: a route added tomorrow is covered without editing a suite.
 * Express 5 keeps the router at app.router, 4 at app._router.
 */
export function routerRoutes(api: INestApplication, methods: readonly string[]): RouterRoute[] {
  const app = api.getHttpAdapter().getInstance();
  const stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[] = (app.router ?? app._router).stack;
  const seen = new Map<string, RouterRoute>();
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const path of [layer.route.path].flat())
      for (const [m, on] of Object.entries(layer.route.methods))
        if (on && methods.includes(m)) seen.set(`${m} ${path}`, { method: m.toUpperCase(), path: String(path) });
  }
  return [...seen.values()];
}

/** A JSON value nested `depth` levels deep: objects `{ a: … }`, or arrays. */
export function deep(depth: number, arrays = false, leaf: unknown = 1): unknown {
  let o: unknown = leaf;
  for (let i = 0; i < depth; i++) o = arrays ? [o] : { a: o };
  return o;
}

/**
 * Row counts of every table, the versions and chain heads of the main aggregates, the audit head and
 * the API keys' revocations: what a refused request must leave exactly as it was.
 */
export async function writeModelSnapshot(ds: DataSource) {
  const tables: { table_name: string }[] = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t.table_name] = Number((await ds.query(`SELECT count(*)::int AS n FROM "${t.table_name}"`))[0].n);
  const heads: Record<string, unknown> = {};
  for (const t of ['referrals', 'beds', 'institutions', 'patients'])
    heads[t] = await ds.query(`SELECT id, version, chain_seq, chain_hash FROM ${t} ORDER BY id`);
  const audit = await ds.query(`SELECT max(seq)::text AS seq, md5(string_agg(hash, '' ORDER BY seq)) AS h FROM audit_log`);
  const keys = await ds.query(`SELECT id, revoked_at FROM api_keys ORDER BY id`);
  return { counts, heads, audit, keys };
}

/**
 * The write model once the events of the fixture's own commands have been projected: the outbox sent and two
 * snapshots half a second apart equal. Taken at once, a "before" could miss the bed board rows of the fixture's
 * beds, which the projection wrote during the fuzz (CI under load: bed_board 0 before, 4 after).
 */
export async function settledWriteModelSnapshot(ds: DataSource, timeoutMs = 30_000): ReturnType<typeof writeModelSnapshot> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`);
    const a = await writeModelSnapshot(ds);
    await new Promise((r) => setTimeout(r, 500));
    const b = await writeModelSnapshot(ds);
    if ((n === 0 && JSON.stringify(a) === JSON.stringify(b)) || Date.now() > until) return b;
  }
}
