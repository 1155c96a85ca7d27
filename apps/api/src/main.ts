import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { developmentSecretsIn, loadConfig } from '@bedlink/config';
import { checkProductionDatabase } from '@bedlink/persistence';
import { createApi } from './bootstrap';

async function main(): Promise<void> {
  const cfg = loadConfig();
  await checkProductionDatabase(cfg);
  const app = await createApi(cfg);
  await app.listen(cfg.PORT, cfg.HOST);
  const log = new Logger('Api');
  log.log(`Bedlink API listening on ${cfg.HOST}:${cfg.PORT}, public URL ${cfg.PUBLIC_URL} (docs at /docs, health at /health)`);
  const dev = developmentSecretsIn(cfg);
  if (dev.length) log.warn(`using the development ${dev.join(' and ')}: fine on this machine, refused with NODE_ENV=production`);
}

main().catch((e) => {
  // eslint-disable-next-line no-console
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
