import { HOST_RESOLVER, HostResolver, systemResolver } from '@bedlink/messaging';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import IORedis, { Cluster } from 'ioredis';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { TerminusModule } from '@nestjs/terminus';
import { Queue, QueueEvents } from 'bullmq';
import { TokenVerifier } from '@bedlink/auth';
import { Clock, DOCUMENT_SCANNER, PatientRecords, Policy, ReferralDocuments } from '@bedlink/application';
import { DocumentsController } from './documents/documents.controller';
import { scannerFor } from './documents/scanner';
import { authFailureLimit, EnvConfig, jobSigningSecret, loggerParams, rootLogger } from '@bedlink/config';
import { BullBoardModule } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import {
  ALL_QUEUES,
  BULL_CONNECTIONS,
  BullConnectionCloser,
  bullConnection,
  CommandGateway,
  createRedis,
  eventsTail,
  JobSeal,
  QUEUES,
  redisOptions,
} from '@bedlink/messaging';
import { ApiKeyStore, CommandLogReads, InfraModule, InstitutionRoles, PendingCommands, PiiCipher, READ_EXPORTS, READ_PROVIDERS } from '@bedlink/persistence';
import { ApiKeysController } from './http/api-keys.controller';
import { AuthController } from './auth/auth.controller';
import { DashboardController } from './dashboard/dashboard.controller';
import { UsersController } from './auth/users.controller';
import { CookieAuth } from './auth/cookie-auth';
import { OidcSignIn } from './auth/oidc';
import { API_KEYS, AUTH_FAILURES, AuthFailureCounter, AuthGuard, TOKEN_VERIFIER } from './http/auth';
import { PrincipalThrottlerGuard, RedisThrottlerStorage } from './http/throttle';
import { ROOT_LOGGER } from './http/request-logging';
import { COMMAND_GATEWAY, CommandRunner } from './http/command-runner';
import { CommandsController } from './http/commands.controller';
import { ErrorFilter } from './http/error.filter';
import { DatabaseState } from './http/database-state';
import { ConsoleController } from './console/console.controller';
import { EventsController, LiveHub } from './events/live-stream';
import { FhirModule } from './fhir/fhir.module';
import { HealthController } from './health/health.controller';
import { Hl7Module } from './hl7/hl7.module';
import { ReferralsController } from './referrals/referrals.controller';
import { InboxController } from './referrals/inbox.controller';
import { WaitingListsController } from './referrals/waiting-lists.controller';
import { ReportsController } from './reports/reports.controller';
import { PolicyController } from './registry/policy.controller';
import { RegistryController } from './registry/registry.controller';
import { ProgrammesController } from './registry/programmes.controller';
import { adminOnly } from './ops/admin-auth';
import { MetricsController } from './ops/metrics.controller';
import { MetricsService } from './ops/metrics.service';
import { OPS_QUEUES } from './ops/queue-stats';
import { WebhooksController } from './webhooks/webhooks.controller';

const QUEUE_EVENTS = Symbol('QUEUE_EVENTS');
const THROTTLE_REDIS = Symbol('THROTTLE_REDIS');

class ThrottleRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(THROTTLE_REDIS) private readonly redis: IORedis | Cluster) {}
  async onApplicationShutdown(): Promise<void> {
    // quit() is refused while the client reconnects (no offline queue): disconnect, or its retry
    // timers keep the process alive after shutdown.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

class QueueEventsCloser implements OnApplicationShutdown {
  constructor(@Inject(QUEUE_EVENTS) private readonly events: QueueEvents) {}
  async onApplicationShutdown(): Promise<void> {
    await this.events.close().catch(() => undefined);
  }
}

/** The API process: REST, health; writes go to the commands queue, reads through libs/persistence's read side. */
@Module({})
export class ApiModule {
  static forRoot(cfg: EnvConfig, opts: { clock?: Clock; policy?: Policy; logDestination?: DestinationStream; resolver?: HostResolver } = {}): DynamicModule {
    // Producers fail fast: a Redis outage is a 503, not a hung request.
    const fast = { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
    const connection = bullConnection(cfg);
    const producer = cfg.REDIS_CLUSTER_NODES ? createRedis(cfg, fast) : { ...redisOptions(cfg), ...fast };
    const throttleRedis = createRedis(cfg, { ...fast, lazyConnect: false });
    throttleRedis.on('error', () => undefined);
    const throttleStorage = new RedisThrottlerStorage(throttleRedis, cfg.QUEUE_PREFIX);
    // one verifier for the API's guard and the queue dashboard: the same tokens open both
    const verifier = new TokenVerifier({
      secret: cfg.JWT_SECRET,
      publicKey: cfg.JWT_PUBLIC_KEY,
      jwksUrl: cfg.JWT_JWKS_URL,
      jwksFile: cfg.JWT_JWKS_FILE,
      issuer: cfg.JWT_ISSUER,
      audience: cfg.JWT_AUDIENCE,
    });
    // the logger nestjs-pino writes through, and the request middleware's root (bootstrap.ts)
    const log = rootLogger(cfg, 'api', opts.logDestination);
    const authFailures: AuthFailureCounter = {
      fail: async (ip) => {
        const r = await throttleStorage.increment(`authfail:${ip}`, cfg.RATE_LIMIT_WINDOW_MS, authFailureLimit(cfg), cfg.RATE_LIMIT_WINDOW_MS, 'auth');
        return { blocked: r.isBlocked, retryAfterSec: r.timeToBlockExpire };
      },
    };
    return {
      module: ApiModule,
      // Global so the facade modules (FHIR, HL7 v2) reach the same CommandRunner and read side as REST.
      global: true,
      imports: [
        InfraModule.forRoot(cfg, opts),
        TerminusModule,
        DiscoveryModule,
        LoggerModule.forRoot(loggerParams(log)),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: cfg.RATE_LIMIT_WINDOW_MS, limit: cfg.RATE_LIMIT }],
          storage: throttleStorage,
          errorMessage: 'too many requests; slow down and retry after the time in Retry-After',
        }),
        BullModule.forRoot({
          connection: producer,
          prefix: cfg.QUEUE_PREFIX,
        }),
        // every queue: commands to produce, the rest for the dashboard, /metrics and readiness
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
        BullBoardModule.forRoot({
          route: '/admin/queues',
          adapter: ExpressAdapter,
          middleware: adminOnly(verifier, cfg.ADMIN_ROLES.split(',')),
          boardOptions: { uiConfig: { boardTitle: 'Bedlink queues' } },
        }),
        // read-only: the dashboard shows jobs; retry/clean/promote/add would bypass the API's checks
        BullBoardModule.forFeature(...ALL_QUEUES.map((name) => ({ name, adapter: BullMQAdapter, options: { readOnlyMode: true } }))),
        FhirModule,
        Hl7Module,
      ],
      controllers: [
        ReferralsController,
        DocumentsController,
        InboxController,
        WaitingListsController,
        ReportsController,
        ProgrammesController,
        RegistryController,
        PolicyController,
        CommandsController,
        HealthController,
        MetricsController,
        WebhooksController,
        EventsController,
        ConsoleController,
        ApiKeysController,
        AuthController,
        UsersController,
        DashboardController,
      ],
      providers: [
        { provide: ROOT_LOGGER, useValue: log },
        DatabaseState,
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: HOST_RESOLVER, useValue: opts.resolver ?? systemResolver },
        // Order matters: the throttle keys on the principal AuthGuard resolved.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: PrincipalThrottlerGuard },
        { provide: TOKEN_VERIFIER, useValue: verifier },
        ...READ_PROVIDERS,
        { provide: API_KEYS, useExisting: ApiKeyStore },
        InstitutionRoles,
        { provide: THROTTLE_REDIS, useValue: throttleRedis },
        { provide: AUTH_FAILURES, useValue: authFailures },
        ThrottleRedisCloser,
        { provide: BULL_CONNECTIONS, useValue: [connection, producer] },
        BullConnectionCloser,
        PatientRecords,
        ReferralDocuments,
        { provide: DOCUMENT_SCANNER, useValue: scannerFor(cfg) },
        {
          // read from where the stream stood at start: the command gateway listens before it adds and never asks
          // Redis whether a new job has ended (wait-for-job.ts)
          provide: QUEUE_EVENTS,
          inject: [getQueueToken(QUEUES.commands)],
          useFactory: async (queue: Queue) => new QueueEvents(QUEUES.commands, { connection, prefix: cfg.QUEUE_PREFIX, lastEventId: await eventsTail(queue) }),
        },
        {
          provide: COMMAND_GATEWAY,
          inject: [getQueueToken(QUEUES.commands), QUEUE_EVENTS, CommandLogReads, PendingCommands],
          useFactory: (queue: Queue, events: QueueEvents, log: CommandLogReads, pending: PendingCommands) =>
            new CommandGateway(
              queue,
              events,
              (id) => log.outcome(id),
              cfg.COMMAND_TIMEOUT_MS,
              new JobSeal(new PiiCipher(jobSigningSecret(cfg))),
              (c) => pending.remember(c),
            ),
        },
        QueueEventsCloser,
        { provide: OPS_QUEUES, inject: ALL_QUEUES.map((q) => getQueueToken(q)), useFactory: (...queues: Queue[]) => queues },
        MetricsService,
        CommandRunner,
        LiveHub,
        CookieAuth,
        OidcSignIn,
      ],
      exports: [CommandRunner, PatientRecords, AUTH_FAILURES, ...READ_EXPORTS],
    };
  }
}
