import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS, STATEMENT_TIMEOUT_MS } from './migrations';
import { GuardedClient, PreparingClient } from './prepared-client';

/** One place that says how to reach Postgres; used by the apps, the CLI scripts and the tests. */
export function dataSourceOptions(url: string, poolSize = 10, statementTimeoutMs = STATEMENT_TIMEOUT_MS, prepared = true): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // Query logging would print parameters, which can hold patient data: errors are logged by the callers.
    logging: false,
    // statement_timeout 0 is none: only the schema migrations (scripts/migrate.ts) run without one. Behind a
    // pooler in transaction mode this setting is not passed on: the runtime role carries the same (STATEMENT_TIMEOUT_MS)
    // Client: repeated statements run prepared, planned once per connection (prepared-client.ts); off: pg's own,
    // both with an error listener from birth (GuardedClient)
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
      statement_timeout: statementTimeoutMs,
      Client: prepared ? PreparingClient : GuardedClient,
    },
  };
}

export function createDataSource(url: string, poolSize = 10, statementTimeoutMs?: number, prepared = true): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize, statementTimeoutMs, prepared));
}
