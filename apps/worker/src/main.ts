import 'reflect-metadata';
import { loadConfig } from '@bedlink/config';
import { checkProductionDatabase } from '@bedlink/persistence';
import { createWorker } from './bootstrap';

async function bootstrap(): Promise<void> {
  const cfg = loadConfig();
  await checkProductionDatabase(cfg);
  await createWorker(cfg);
  // The start line is for operators and supervisors (the fault harness waits for it): printed
  // whatever LOG_LEVEL says.
  process.stdout.write(`worker up: queues under prefix "${cfg.QUEUE_PREFIX}", command concurrency ${cfg.COMMAND_CONCURRENCY}\n`);
}

bootstrap().catch((e) => {
  // eslint-disable-next-line no-console
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
