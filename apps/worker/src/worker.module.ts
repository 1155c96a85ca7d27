import { HOST_RESOLVER, HostResolver, systemResolver } from '@bedlink/messaging';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import { CqrsModule } from '@nestjs/cqrs';
import { Clock, COMMAND_HANDLERS, Policy } from '@bedlink/application';
import { EnvConfig, jobSigningSecret, loggerParams, rootLogger } from '@bedlink/config';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { BULL_CONNECTIONS, BullConnectionCloser, bullConnection, JOB_SEAL, JobSeal, QUEUES } from '@bedlink/messaging';
import { InfraModule, InstitutionRoles, PiiCipher } from '@bedlink/persistence';
import { CommandProcessor } from './command.processor';
import { DeadlineProcessor, DeadlineReconciler, TimerEventsProcessor } from './deadlines';
import { OutboxRelay } from './outbox.relay';
import { KpisProcessor } from './kpis.processor';
import { ProjectionsProcessor } from './projections.processor';
import { PolicyBootstrap } from './policy.bootstrap';
import { AuditCheckpointer } from './audit-checkpointer';
import { EventLoopReporter } from './event-loop-reporter';
import { WebhookDeliveryProcessor, WebhookFanoutProcessor } from './webhooks.processor';
import { configureWorkers } from './consumers/event-consumer';
import { LeaderElection } from './leader';
import { RedisRecovery } from './redis-recovery';
import { LostWriteSweeper } from './lost-write-sweeper';
import { RetentionPruner } from './retention';

/** The worker process: command execution, outbox relay, projections, deadlines, KPIs and webhook delivery. */
@Module({})
export class WorkerModule {
  static forRoot(cfg: EnvConfig, opts: { clock?: Clock; policy?: Policy; logDestination?: DestinationStream; resolver?: HostResolver } = {}): DynamicModule {
    // before Nest makes the workers: the @Processor options then carry the configured locks
    configureWorkers(cfg);
    const connection = bullConnection(cfg);
    return {
      module: WorkerModule,
      imports: [
        InfraModule.forRoot(cfg, opts),
        LoggerModule.forRoot(loggerParams(rootLogger(cfg, 'worker', opts.logDestination))),
        CqrsModule.forRoot(),
        DiscoveryModule,
        BullModule.forRoot({ connection, prefix: cfg.QUEUE_PREFIX }),
        BullModule.registerQueue(
          { name: QUEUES.commands },
          { name: QUEUES.projections },
          { name: QUEUES.timers },
          { name: QUEUES.deadlines },
          { name: QUEUES.webhookEvents },
          { name: QUEUES.kpiEvents },
          { name: QUEUES.webhookDeliveries },
          { name: QUEUES.deadLetter },
        ),
      ],
      providers: [
        { provide: HOST_RESOLVER, useValue: opts.resolver ?? systemResolver },
        { provide: BULL_CONNECTIONS, useValue: [connection] },
        BullConnectionCloser,
        ...COMMAND_HANDLERS,
        { provide: JOB_SEAL, useValue: new JobSeal(new PiiCipher(jobSigningSecret(cfg))) },
        CommandProcessor,
        InstitutionRoles,
        ProjectionsProcessor,
        TimerEventsProcessor,
        DeadlineProcessor,
        DeadlineReconciler,
        LeaderElection,
        RedisRecovery,
        LostWriteSweeper,
        RetentionPruner,
        OutboxRelay,
        WebhookFanoutProcessor,
        WebhookDeliveryProcessor,
        KpisProcessor,
        PolicyBootstrap,
        AuditCheckpointer,
        EventLoopReporter,
      ],
    };
  }
}
