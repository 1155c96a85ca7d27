import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { TerminusModule } from '@nestjs/terminus';
import { Queue, QueueEvents } from 'bullmq';
import { DataSource } from 'typeorm';
import { TokenVerifier } from '@bedlink/auth';
import { Clock, Policy } from '@bedlink/application';
import { EnvConfig } from '@bedlink/config';
import { BullBoardModule } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ALL_QUEUES, CommandGateway, QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { findCommandOutcome, InfraModule } from '@bedlink/persistence';
import { AuthGuard, TOKEN_VERIFIER } from './http/auth';
import { COMMAND_GATEWAY, CommandRunner } from './http/command-runner';
import { CommandsController } from './http/commands.controller';
import { ErrorFilter } from './http/error.filter';
import { ConsoleController } from './console/console.controller';
import { EventsController, LiveHub } from './events/live-stream';
import { FhirModule } from './fhir/fhir.module';
import { HealthController } from './health/health.controller';
import { Hl7Module } from './hl7/hl7.module';
import { ReferralQueries } from './referrals/referral-queries';
import { ReferralsController } from './referrals/referrals.controller';
import { InboxController } from './referrals/inbox.controller';
import { PolicyController } from './registry/policy.controller';
import { RegistryController } from './registry/registry.controller';
import { ProgrammesController } from './registry/programmes.controller';
import { adminOnly } from './ops/admin-auth';
import { MetricsController } from './ops/metrics.controller';
import { MetricsService } from './ops/metrics.service';
import { OPS_QUEUES } from './ops/queue-stats';
import { WebhooksController } from './webhooks/webhooks.controller';

const QUEUE_EVENTS = Symbol('QUEUE_EVENTS');

class QueueEventsCloser implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_EVENTS) private readonly events: QueueEvents) {}
  async onApplicationShutdown(): Promise<void> {
    await this.events.close().catch(() => undefined);
  }
}

/** The API process: REST, health; writes go to the commands queue, reads to Postgres. */
@Module({})
export class ApiModule {
  static forRoot(cfg: EnvConfig, opts: { clock?: Clock; policy?: Policy } = {}): DynamicModule {
    const connection = redisOptionsFromUrl(cfg.REDIS_URL);
    return {
      module: ApiModule,
      // Global so the facade modules (FHIR, HL7 v2) reach the same CommandRunner and read side as REST.
      global: true,
      imports: [
        InfraModule.forRoot(cfg, opts),
        TerminusModule,
        // Producer connection fails fast: a Redis outage is a 503, not a hung request.
        BullModule.forRoot({ connection: { ...connection, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 }, prefix: cfg.QUEUE_PREFIX }),
        // every queue: commands to produce, the rest for the dashboard, /metrics and readiness
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
        BullBoardModule.forRoot({ route: '/admin/queues', adapter: ExpressAdapter, middleware: adminOnly(cfg.ADMIN_TOKEN), boardOptions: { uiConfig: { boardTitle: 'Bedlink queues' } } }),
        BullBoardModule.forFeature(...ALL_QUEUES.map((name) => ({ name, adapter: BullMQAdapter }))),
        FhirModule,
        Hl7Module,
      ],
      controllers: [ReferralsController, InboxController, ProgrammesController, RegistryController, PolicyController, CommandsController, HealthController, MetricsController, WebhooksController, EventsController, ConsoleController],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: TOKEN_VERIFIER, useValue: new TokenVerifier({ secret: cfg.JWT_SECRET, publicKey: cfg.JWT_PUBLIC_KEY }) },
        { provide: QUEUE_EVENTS, useFactory: () => new QueueEvents(QUEUES.commands, { connection, prefix: cfg.QUEUE_PREFIX }) },
        {
          provide: COMMAND_GATEWAY,
          inject: [getQueueToken(QUEUES.commands), QUEUE_EVENTS, DataSource],
          useFactory: (queue: Queue, events: QueueEvents, ds: DataSource) => new CommandGateway(queue, events, (id) => findCommandOutcome(ds, id), cfg.COMMAND_TIMEOUT_MS),
        },
        QueueEventsCloser,
        { provide: OPS_QUEUES, inject: ALL_QUEUES.map((q) => getQueueToken(q)), useFactory: (...queues: Queue[]) => queues },
        MetricsService,
        CommandRunner,
        ReferralQueries,
        LiveHub,
      ],
      exports: [CommandRunner, ReferralQueries],
    };
  }
}
