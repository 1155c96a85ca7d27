import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** One place that says how to reach Postgres; used by the apps, the CLI scripts and the tests. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // Query logging would print parameters, which can hold patient data: errors are logged by the callers.
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000, statement_timeout: 15000 },
  };
}

export function createDataSource(url: string, poolSize = 10): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}
