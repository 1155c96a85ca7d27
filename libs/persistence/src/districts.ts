import { DataSource } from 'typeorm';
import { assertNoDemoInProduction, DEMO_DISTRICT, EnvConfig } from '@bedlink/config';
import { createDataSource } from './data-source';

/** Whether any institution is registered in the district (the production demo-data check at start). */
export async function districtHasInstitutions(ds: DataSource, districtId: string): Promise<boolean> {
  const rows = await ds.query(`SELECT 1 FROM institutions WHERE district_id = $1 LIMIT 1`, [districtId]);
  return rows.length > 0;
}

/**
 * At the start of the api and the worker, before anything consumes work: in production, a database
 * holding the demo district is refused unless SEED_DEMO (see assertNoDemoInProduction).
 */
export async function checkProductionDatabase(cfg: EnvConfig): Promise<void> {
  if (cfg.NODE_ENV !== 'production') return;
  const ds = createDataSource(cfg.DATABASE_URL, 1);
  await ds.initialize();
  try {
    assertNoDemoInProduction(cfg, await districtHasInstitutions(ds, DEMO_DISTRICT));
  } finally {
    await ds.destroy();
  }
}
