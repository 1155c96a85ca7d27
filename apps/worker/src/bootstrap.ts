import type { HostResolver } from '@bedlink/messaging';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { Clock, Policy } from '@bedlink/application';
import { EnvConfig } from '@bedlink/config';
import { checkSessionDatabase } from '@bedlink/persistence';
import { WorkerModule } from './worker.module';

/** Builds the worker (main.ts and the tests alike), logging structured JSON through nestjs-pino. */
export async function createWorker(
  cfg: EnvConfig,
  opts: { clock?: Clock; policy?: Policy; logDestination?: DestinationStream; resolver?: HostResolver } = {},
): Promise<INestApplicationContext> {
  await checkSessionDatabase(cfg);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(cfg, opts), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
