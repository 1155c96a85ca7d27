import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource, WRITTEN_TABLES } from '@bedlink/persistence';
import { ADMIN_URL, CHECKOUT_TAG } from '../test/support/global-setup';

/*
 * npm run schema:check — do the migrations build the schema the code expects?
 *
 * 1. Migrate a scratch database, then ask TypeORM what it would change to make that schema match the entities
 *    (driver.createSchemaBuilder().log(): what `migration:generate --dryrun` prints). The entities are the read
 *    side's view and the migrations own the schema, so some differences are by design; each is listed in BENIGN
 *    with why. Everything else — a column an entity has and the migrations do not, a type or nullability that
 *    differs, a missing table — fails.
 * 2. Every table and column that the unit of work writes exists in that schema: the aggregates' column lists
 *    (WRITTEN_TABLES, from libs/persistence/src/aggregates, which build their INSERT/UPDATE statements from them)
 *    and the statements written out in unit-of-work.ts itself (audit log, outbox, command log).
 */

/**
 * This process's own database (its pid in the name, in the shape the test global setup reads): two runs in
 * one checkout never drop each other's, and a run's clean-up of killed runs' leftovers spares a live one.
 */
const DB = `bedlink_test_${CHECKOUT_TAG}_r${process.pid}_schemacheck`;
const VERBOSE = process.argv.includes('--verbose');

interface Benign {
  why: string;
  re: RegExp;
}
const BENIGN: Benign[] = [
  {
    why: 'Entities map the columns the read side uses; the others (written by the unit of work) stay unmapped.',
    re: /^ALTER TABLE "\w+" DROP COLUMN "\w+"$/,
  },
  {
    why: "Defaults (now(), 0, gen_random_uuid()...) are the database's business: every write names its values.",
    re: /^ALTER TABLE "\w+" ALTER COLUMN "\w+" DROP DEFAULT$/,
  },
  {
    why: 'Indexes, checks, foreign keys and unique constraints live in the migrations (partial indexes and checks cannot be modelled).',
    re: /^(DROP INDEX "\w+"(\."\w+")?|ALTER TABLE "\w+" DROP CONSTRAINT "\w+"|CREATE (UNIQUE )?INDEX "\w+" ON "\w+" .*|ALTER TABLE "\w+" ADD CONSTRAINT "\w+" (FOREIGN KEY|UNIQUE|CHECK) .*)$/,
  },
];

/** An ADD COLUMN whose column the same run drops is TypeORM's way of changing a type: never benign. */
function classify(queries: string[]): { drift: string[]; benign: Map<string, string[]> } {
  const added = new Set(
    queries
      .map((q) => /^ALTER TABLE "(\w+)" ADD "(\w+)"/.exec(q))
      .filter((m) => m)
      .map((m) => `${m![1]}.${m![2]}`),
  );
  const drift: string[] = [];
  const benign = new Map<string, string[]>();
  for (const q of queries) {
    const drop = /^ALTER TABLE "(\w+)" DROP COLUMN "(\w+)"$/.exec(q);
    const rule = drop && added.has(`${drop[1]}.${drop[2]}`) ? undefined : BENIGN.find((b) => b.re.test(q));
    if (rule) benign.set(rule.why, [...(benign.get(rule.why) ?? []), q]);
    else drift.push(q);
  }
  return { drift, benign };
}

/** Tables and columns named by INSERT INTO t (cols) and UPDATE t SET c=... statements written out in a source file. */
export function writtenColumns(source: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (t: string, cols: string[]) => {
    const s = out.get(t) ?? new Set<string>();
    for (const c of cols) if (c) s.add(c);
    out.set(t, s);
  };
  for (const m of source.matchAll(/INSERT INTO (\w+) \(([^)]*)\)/g))
    add(
      m[1],
      m[2].split(',').map((c) => c.trim()),
    );
  for (const m of source.matchAll(/UPDATE (\w+) SET (.*?) WHERE/g))
    add(
      m[1],
      [...m[2].matchAll(/(?:^|,)\s*(\w+)\s*=/g)].map((c) => c[1]),
    );
  return out;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function schemaCheck(): Promise<string[]> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${DB}"`);
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB}`;
  const ds = createDataSource(url.toString(), 1);
  await ds.initialize();
  const problems: string[] = [];
  try {
    await ds.runMigrations({ transaction: 'each' });
    const sql = await ds.driver.createSchemaBuilder().log();
    const { drift, benign } = classify(sql.upQueries.map((q) => q.query.trim()));
    for (const [why, qs] of benign) console.log(`schema: ${qs.length} known difference(s) ignored: ${why}${VERBOSE ? `\n  ${qs.join('\n  ')}` : ''}`);
    for (const q of drift) problems.push(`entities and migrations differ: ${q}`);

    const cols: Array<{ table_name: string; column_name: string }> = await ds.query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const have = new Set(cols.map((c) => `${c.table_name}.${c.column_name}`));
    const tables = new Set(cols.map((c) => c.table_name));
    const written = writtenColumns(readFileSync(join(__dirname, '../libs/persistence/src/unit-of-work.ts'), 'utf8'));
    if (written.size < 3) problems.push(`the unit of work's statements were not found (parsed ${written.size} tables): update writtenColumns()`);
    for (const t of WRITTEN_TABLES) {
      const s = written.get(t.name) ?? new Set<string>();
      for (const c of [...t.columns, ...t.update, ...(t.update.length ? ['version'] : [])]) s.add(c);
      written.set(t.name, s);
    }
    for (const [t, cs] of written) {
      if (!tables.has(t)) problems.push(`the unit of work writes table ${t}, which no migration creates`);
      else for (const c of cs) if (!have.has(`${t}.${c}`)) problems.push(`the unit of work writes ${t}.${c}, which no migration creates`);
    }
    console.log(`schema: the unit of work writes ${[...written.values()].reduce((n, s) => n + s.size, 0)} columns in ${written.size} tables, all checked`);
  } finally {
    await ds.destroy();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`));
  }
  return problems;
}

if (require.main === module) {
  schemaCheck()
    .then((problems) => {
      for (const p of problems) console.error(`✖ ${p}`);
      if (problems.length) process.exit(1);
      console.log('✔ the migrated schema matches the entities and the unit of work');
    })
    .catch((e) => {
      console.error(`schema check failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
}
