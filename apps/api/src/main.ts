import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@bedlink/config';
import { createApi } from './bootstrap';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const app = await createApi(cfg);
  await app.listen(cfg.PORT, cfg.HOST);
  new Logger('Api').log(`Bedlink API listening on http://127.0.0.1:${cfg.PORT} (docs at /docs, health at /health)`);
}

main().catch((e) => {
  // eslint-disable-next-line no-console
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
