import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@bedlink/config';
import { createWorker } from './bootstrap';

async function bootstrap(): Promise<void> {
  const cfg = loadConfig();
  await createWorker(cfg);
  new Logger('Worker').log(`worker up: queues under prefix "${cfg.QUEUE_PREFIX}", command concurrency ${process.env.COMMAND_CONCURRENCY ?? 16}`);
}

bootstrap().catch((e) => {
  // eslint-disable-next-line no-console
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
