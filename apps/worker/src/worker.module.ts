import { DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { CqrsModule } from '@nestjs/cqrs';
import { Clock, COMMAND_HANDLERS, Policy } from '@bedlink/application';
import { EnvConfig, loggerParams } from '@bedlink/config';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { InfraModule } from '@bedlink/persistence';
import { CommandProcessor } from './command.processor';
import { DeadlineProcessor, DeadlineReconciler, TimerEventsProcessor } from './deadlines';
import { OutboxRelay } from './outbox.relay';
import { ProjectionsProcessor } from './projections.processor';

/** The worker process: command execution, outbox relay, projections and deadlines. */
@Module({})
export class WorkerModule {
  static forRoot(cfg: EnvConfig, opts: { clock?: Clock; policy?: Policy; logDestination?: DestinationStream } = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        InfraModule.forRoot(cfg, opts),
        LoggerModule.forRoot(loggerParams(cfg, 'worker', opts.logDestination)),
        CqrsModule.forRoot(),
        BullModule.forRoot({ connection: redisOptionsFromUrl(cfg.REDIS_URL), prefix: cfg.QUEUE_PREFIX }),
        BullModule.registerQueue({ name: QUEUES.commands }, { name: QUEUES.projections }, { name: QUEUES.timers }, { name: QUEUES.deadlines }),
      ],
      providers: [...COMMAND_HANDLERS, CommandProcessor, ProjectionsProcessor, TimerEventsProcessor, DeadlineProcessor, DeadlineReconciler, OutboxRelay],
    };
  }
}
