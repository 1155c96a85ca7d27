import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@bedlink/config';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const cfg = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(cfg), { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  new Logger('Worker').log(`worker up: queues under prefix "${cfg.QUEUE_PREFIX}", command concurrency ${process.env.COMMAND_CONCURRENCY ?? 16}`);
}

bootstrap().catch((e) => {
  // eslint-disable-next-line no-console
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
