import { DynamicModule, Global, Module, OnApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, DEFAULT_POLICY, MATCHER, POLICY, Policy, UNIT_OF_WORK } from '@bedlink/application';
import { SqlMatcher } from './matching/find-candidates';
import { createDataSource } from './data-source';
import { PiiCipher } from './pii-cipher';
import { PII_CIPHER, TypeOrmUnitOfWork } from './unit-of-work';
import { Urgency } from '@bedlink/domain';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

export function policyFromConfig(cfg: EnvConfig): Policy {
  const windows: Record<Urgency, number> = { EMERGENCY: cfg.OFFER_WINDOW_EMERGENCY_MS, URGENT: cfg.OFFER_WINDOW_URGENT_MS, ROUTINE: cfg.OFFER_WINDOW_ROUTINE_MS };
  return { ...DEFAULT_POLICY, offerWindowMs: (u) => windows[u], reservationHoldMs: () => cfg.RESERVATION_HOLD_MS, cooperationDefault: cfg.COOPERATION_DEFAULT };
}

/**
 * What both processes share: configuration, the Postgres data source, the unit of work, the
 * PII cipher, the clock and the district policy. Each process (and each test engine) builds its own.
 */
@Global()
@Module({})
export class InfraModule {
  static forRoot(cfg: EnvConfig, opts: { clock?: Clock; policy?: Policy } = {}): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: ENV_CONFIG, useValue: cfg },
        {
          provide: DataSource,
          useFactory: async () => {
            const ds = createDataSource(cfg.DATABASE_URL, cfg.DB_POOL_SIZE);
            // Start even while Postgres is down: requests get 503 until it answers, then recover by themselves.
            await ds.initialize();
            return ds;
          },
        },
        { provide: PII_CIPHER, useValue: new PiiCipher(cfg.PII_KEY) },
        { provide: UNIT_OF_WORK, useClass: TypeOrmUnitOfWork },
        { provide: CLOCK, useValue: opts.clock ?? { now: () => new Date() } },
        { provide: POLICY, useValue: opts.policy ?? policyFromConfig(cfg) },
        { provide: MATCHER, useClass: SqlMatcher },
        DataSourceCloser,
      ],
      exports: [ENV_CONFIG, DataSource, PII_CIPHER, UNIT_OF_WORK, CLOCK, POLICY, MATCHER],
    };
  }
}
