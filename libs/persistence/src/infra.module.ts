import { DynamicModule, Global, Module, OnApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AUDIT_ARCHIVER, CLOCK, Clock, DOCUMENT_STORE, MATCHER, POLICY, Policy, UNIT_OF_WORK, validatePolicy } from '@bedlink/application';
import { AuditArchiveExporter } from './audit-archive';
import { documentStoreFor } from './document-store';
import { SqlMatcher } from './matching/find-candidates';
import { createDataSource } from './data-source';
import { ReadReplica } from './read-replica';
import { PiiCipher } from './pii-cipher';
import { PII_CIPHER, TypeOrmUnitOfWork } from './unit-of-work';
import { defaultPolicy, DistrictPolicyDoc } from '@bedlink/domain';
import { DbPolicy } from './policy-store';
import { auditKeys, ENV_CONFIG, EnvConfig } from '@bedlink/config';

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly ds: DataSource,
    private readonly replica: ReadReplica,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.replica.ds !== this.ds && this.replica.ds.isInitialized) await this.replica.ds.destroy();
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/**
 * The policy of a district without a stored document: its policy file (POLICY_DIR) when there is
 * one, else the environment's windows and holds. The file counts from the first command: the worker
 * stores it at start-up, but a seed or an API process may act on the district before that happens,
 * and an offer made then must carry the district's windows, not the environment's.
 */
export function fallbackPolicy(cfg: EnvConfig): (districtId: string) => DistrictPolicyDoc {
  const hold = `${cfg.RESERVATION_HOLD_MS}ms`;
  let files: Map<string, DistrictPolicyDoc> | undefined;
  return (districtId) => (files ??= policyFiles(cfg.POLICY_DIR)).get(districtId) ?? envPolicyOf(cfg, hold, districtId);
}

/** The valid policy files of a directory by district (an invalid file is the worker's start-up error, not a lookup's). */
export function policyFiles(dir: string): Map<string, DistrictPolicyDoc> {
  const out = new Map<string, DistrictPolicyDoc>();
  const abs = resolve(process.cwd(), dir);
  if (!existsSync(abs)) return out;
  for (const f of readdirSync(abs).filter((n) => n.endsWith('.json'))) {
    try {
      const raw = JSON.parse(readFileSync(join(abs, f), 'utf8'));
      delete raw.$schema;
      const doc = validatePolicy(raw);
      out.set(doc.districtId, doc);
    } catch {
      /* reported by PolicyBootstrap, which refuses to start on it */
    }
  }
  return out;
}

function envPolicyOf(cfg: EnvConfig, hold: string, districtId: string): DistrictPolicyDoc {
  return {
    ...defaultPolicy(districtId, {
      offerWindows: { EMERGENCY: `${cfg.OFFER_WINDOW_EMERGENCY_MS}ms`, URGENT: `${cfg.OFFER_WINDOW_URGENT_MS}ms`, ROUTINE: `${cfg.OFFER_WINDOW_ROUTINE_MS}ms` },
      reservationHold: { EMERGENCY: hold, URGENT: hold, ROUTINE: hold },
    }),
    // without a stored document, referrals without a cooperation agreement follow COOPERATION_DEFAULT
    referral: { sameDistrictWithoutAgreement: cfg.COOPERATION_DEFAULT === 'SAME_DISTRICT_ALLOWED' },
  };
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
            const ds = createDataSource(cfg.DATABASE_URL, cfg.DB_POOL_SIZE, undefined, cfg.DB_PREPARED_STATEMENTS);
            // Start even while Postgres is down: requests get 503 until it answers, then recover by themselves.
            await ds.initialize();
            return ds;
          },
        },
        {
          provide: ReadReplica,
          inject: [DataSource],
          useFactory: async (primary: DataSource) => {
            if (!cfg.DATABASE_READ_URL) return new ReadReplica(primary);
            const ds = createDataSource(cfg.DATABASE_READ_URL, cfg.DB_POOL_SIZE, undefined, cfg.DB_PREPARED_STATEMENTS);
            await ds.initialize();
            return new ReadReplica(ds);
          },
        },
        { provide: PII_CIPHER, useValue: new PiiCipher(cfg.PII_KEY) },
        { provide: UNIT_OF_WORK, useClass: TypeOrmUnitOfWork },
        { provide: CLOCK, useValue: opts.clock ?? { now: () => new Date() } },
        { provide: POLICY, inject: [DataSource], useFactory: (ds: DataSource) => opts.policy ?? new DbPolicy(ds, fallbackPolicy(cfg)) },
        { provide: MATCHER, useClass: SqlMatcher },
        { provide: DOCUMENT_STORE, inject: [DataSource, PII_CIPHER], useFactory: (ds: DataSource, c: PiiCipher) => documentStoreFor(cfg, ds, c) },
        {
          provide: AUDIT_ARCHIVER,
          inject: [DataSource],
          useFactory: (ds: DataSource) => new AuditArchiveExporter(ds, { signingKey: auditKeys(cfg).signingKey, dir: cfg.AUDIT_ARCHIVE_DIR }),
        },
        DataSourceCloser,
      ],
      exports: [ENV_CONFIG, DataSource, ReadReplica, PII_CIPHER, UNIT_OF_WORK, CLOCK, POLICY, MATCHER, DOCUMENT_STORE, AUDIT_ARCHIVER],
    };
  }
}
