import { createHmac } from 'node:crypto';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

/** Development only (refused in production): signs audit checkpoints on a developer machine and in tests. */
const DEV_AUDIT_SIGNING_KEY = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIMtDxVlv4ljEeKOeCMXPQnWSK5i+TAvIA88BicZXnLCF\n-----END PRIVATE KEY-----\n';

const int = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * Every setting the engine reads, validated at boot (fail fast). Defaults point at 127.0.0.1 so a
 * developer machine works without a .env; production must set the secrets (checked below).
 */
export class EnvConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/bedlink';

  /**
   * The owner of the schema, for migrations only (creates the runtime role and grants it).
   * Unset: DATABASE_URL (then the engine runs as the owner and only the trigger guards the audit log).
   */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'MIGRATION_DATABASE_URL must be a postgres:// URL' })
  MIGRATION_DATABASE_URL?: string;

  /**
   * A read replica for reads that tolerate staleness (referral lists, boards, FHIR searches).
   * Commands and reads that must see the caller's own writes always use DATABASE_URL. Unset: the primary.
   */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_READ_URL must be a postgres:// URL' })
  DATABASE_READ_URL?: string;

  /**
   * Postgres for what lives in a session, not a transaction: the leader's advisory lock and the outbox
   * relay's LISTEN. Behind a pooler in transaction mode (PgBouncer's default for applications) a session
   * lock is taken by whichever server connection ran the statement, and that connection then serves
   * other clients: a second worker can be handed the same session and "take" the lock too, and a dead
   * leader's lock outlives it until the pooler closes the connection. Set this to Postgres itself (or a
   * session-mode pool) there. Unset: DATABASE_URL.
   */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_SESSION_URL must be a postgres:// URL' })
  DATABASE_SESSION_URL?: string;

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * Sentinel: "host:port,…" of the sentinels (REDIS_URL then gives only password, db and TLS) and
   * the name they monitor. The engine follows a failover by asking them again.
   */
  @IsOptional() @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'REDIS_SENTINELS must be host:port,host:port' }) REDIS_SENTINELS?: string;
  @IsString() @MinLength(1) REDIS_SENTINEL_NAME = 'mymaster';

  /** Redis Cluster: "host:port,…" of some nodes. QUEUE_PREFIX must then be hash-tagged ("{bedlink}"). */
  @IsOptional() @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'REDIS_CLUSTER_NODES must be host:port,host:port' }) REDIS_CLUSTER_NODES?: string;

  /**
   * BullMQ key prefix: test suites and benches use their own so they never share queues. In braces
   * ("{bedlink}") it is a Redis Cluster hash tag: every key of the engine, and so every script's
   * keys, lands in one slot.
   */
  @IsString()
  @Matches(/^(\{[a-zA-Z0-9_-]+\}|[a-zA-Z0-9_-]+)$/, { message: 'QUEUE_PREFIX must be letters, digits, _ and -, optionally in one pair of braces' })
  QUEUE_PREFIX = 'bedlink';

  @Transform(int)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  /** Interface the API binds to. Loopback unless set: a developer's engine is not on the network by accident (the image sets 0.0.0.0). */
  @IsString()
  @IsOptional()
  HOST = '127.0.0.1';

  /**
   * HL7 v2 over MLLP (TCP), beside POST /hl7/v2: the port the API listens on for ADT messages, bound
   * to HOST like the HTTP port. Unset: no listener (off by default; hospitals' interface engines
   * usually send on 2575). 0 picks a free port (tests).
   */
  @Transform(int)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  HL7_MLLP_PORT?: number;

  /** The largest MLLP frame accepted; a sender that goes past it gets an AR and is disconnected. */
  @Transform(int)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  HL7_MLLP_MAX_BYTES = 1024 * 1024;

  /** An MLLP connection silent this long, or stuck in the middle of a frame, is closed. */
  @Transform(int)
  @IsInt()
  @Min(100)
  HL7_MLLP_IDLE_MS = 60_000;

  /**
   * The API's public base URL (scheme, host, port, optional path), used for every absolute link it
   * hands out (FHIR Bundle links, fullUrl, Location). Never taken from the request's Host header,
   * which the client controls. Default: http://127.0.0.1:PORT.
   */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'PUBLIC_URL must be an http(s) URL without query or fragment' })
  PUBLIC_URL?: string;

  /**
   * Whether the demo district may be seeded (and present) in production: only for a demo
   * deployment. Outside production `npm start` seeds it regardless.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1'))
  @IsOptional()
  @IsBoolean()
  SEED_DEMO?: boolean;

  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET = 'bedlink-dev-secret-change-me-in-production-0000';

  @IsString()
  @IsOptional()
  JWT_PUBLIC_KEY?: string;

  /** RS256 keys of a hospital identity provider as a JWKS document: a URL or a file. */
  @IsString()
  @IsOptional()
  JWT_JWKS_URL?: string;

  @IsString()
  @IsOptional()
  JWT_JWKS_FILE?: string;

  /** Required `iss` of RS256 (identity provider) tokens; unset: not checked. Set it in production. */
  @IsString()
  @IsOptional()
  JWT_ISSUER?: string;

  /** Required `aud` of RS256 (identity provider) tokens; unset: not checked. Set it in production. */
  @IsString()
  @IsOptional()
  JWT_AUDIENCE?: string;

  /** How often the worker copies the bed board for the dashboard's 30-day history (ms; hourly). */
  @Transform(int) @IsInt() @Min(1000) BOARD_SNAPSHOT_MS = 3_600_000;
  /** Console sessions (password or OpenID Connect sign-in) end this many hours after they begin. */
  @Transform(int) @IsInt() @Min(1) @Max(168) SESSION_TTL_HOURS = 12;
  /** Failed sign-ins per username before it is locked for LOGIN_LOCK_MINUTES (unknown usernames alike). */
  @Transform(int) @IsInt() @Min(1) @Max(100) LOGIN_MAX_FAILURES = 5;
  @Transform(int) @IsInt() @Min(1) @Max(1440) LOGIN_LOCK_MINUTES = 15;
  /** Session and CSRF cookies carry `Secure`. Unset: when PUBLIC_URL is https. */
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1'))
  @IsOptional()
  @IsBoolean()
  COOKIE_SECURE?: boolean;
  /** OpenID Connect sign-in: the identity provider's issuer URL (discovery at /.well-known/openid-configuration). Unset: off. */
  @IsString() @IsOptional() OIDC_ISSUER?: string;
  @IsString() @IsOptional() OIDC_CLIENT_ID?: string;
  @IsString() @IsOptional() OIDC_CLIENT_SECRET?: string;
  /** The claims of the ID token (or userinfo) that name the role, the institution (id or code) and the district. */
  @IsString() OIDC_ROLE_CLAIM = 'bedlink_role';
  @IsString() OIDC_INSTITUTION_CLAIM = 'bedlink_institution';
  @IsString() OIDC_DISTRICT_CLAIM = 'bedlink_district';

  /** API keys expire: this many days unless the issuer asks for fewer, never more than API_KEY_MAX_DAYS. */
  @Transform(int) @IsInt() @Min(1) API_KEY_DEFAULT_DAYS = 90;
  @Transform(int) @IsInt() @Min(1) @Max(3650) API_KEY_MAX_DAYS = 365;

  /** Requests per principal (user, API key; IP when anonymous) per RATE_LIMIT_WINDOW_MS. Generous by default. */
  @Transform(int)
  @IsInt()
  @Min(1)
  RATE_LIMIT = 100_000;

  @Transform(int)
  @IsInt()
  @Min(100)
  RATE_LIMIT_WINDOW_MS = 60_000;

  /**
   * Failed authentications per client IP per RATE_LIMIT_WINDOW_MS before 429 (and as long again
   * blocked). Unset: 20 in production, RATE_LIMIT elsewhere (test suites fail on purpose a lot).
   */
  @Transform(int)
  @IsOptional()
  @IsInt()
  @Min(1)
  AUTH_FAILURE_LIMIT?: number;

  /** Open SSE streams per principal (user or API key); one more is 429 TOO_MANY_STREAMS. */
  @Transform(int)
  @IsInt()
  @Min(1)
  SSE_MAX_STREAMS_PER_PRINCIPAL = 5;

  /** Bytes an SSE stream may have queued for a slow reader before it is ended (it reconnects and re-reads). */
  @Transform(int)
  @IsInt()
  @Min(1024)
  SSE_MAX_BUFFER_BYTES = 1_048_576;

  /** How often open SSE streams re-check that their principal is still valid (API key not revoked). */
  @Transform(int)
  @IsInt()
  @Min(100)
  SSE_RECHECK_MS = 30_000;

  /** At most this many missed events replayed to a reconnecting stream (Last-Event-ID); beyond it the client is told to reload. */
  @Transform(int) @IsInt() @Min(0) @Max(100_000) SSE_REPLAY_MAX = 1000;

  /**
   * Bearer token for GET /metrics (Prometheus' `authorization` credentials). Unset: /metrics refuses
   * everyone but an AUDITOR or DISTRICT_COORDINATOR token.
   */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsString()
  @IsOptional()
  @MinLength(32, { message: 'METRICS_TOKEN must be at least 32 characters' })
  METRICS_TOKEN?: string;

  @IsString()
  @MinLength(32, { message: 'PII_KEY must be at least 32 characters (or 64 hex digits)' })
  PII_KEY = 'bedlink-dev-pii-key-change-me-in-production-0000';

  /** How long the API waits for a command's result before answering 202 with a status URL. */
  @Transform(int)
  @IsInt()
  @Min(10)
  COMMAND_TIMEOUT_MS = 10_000;

  @Transform(int)
  @IsInt()
  @Min(1)
  @Max(64)
  COMMAND_CONCURRENCY = 16;

  /**
   * Postgres connections per process. At least COMMAND_CONCURRENCY + 8 in the worker: each command
   * in flight holds one connection, and the relay (two while it claims ahead), the consumers'
   * batches, the timers' probes and the leader's duties need theirs without queueing behind the
   * commands. Pools open connections on demand: an API process rarely uses more than a few.
   */
  @Transform(int)
  @IsInt()
  @Min(1)
  @Max(64)
  DB_POOL_SIZE = 24;

  /**
   * Repeated statements run prepared, planned once per connection (libs/persistence/src/prepared-client.ts):
   * a third of Postgres' time per command was planning. Off behind a pooler that hands one client's
   * statements to several server connections (PgBouncer in transaction mode before 1.21, or without
   * max_prepared_statements): there a prepared statement is not found on the next connection.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? true : value === true || value === 'true' || value === '1'))
  @IsBoolean()
  DB_PREPARED_STATEMENTS = true;

  @Transform(int)
  @IsInt()
  @Min(5)
  OUTBOX_POLL_MS = 200;

  /** Delivery attempts of an event to a consumer before it goes to the dead-letter queue. */
  @Transform(int)
  @IsInt()
  @Min(1)
  @Max(50)
  EVENT_RETRY_ATTEMPTS = 8;

  /** First retry delay of an event (exponential backoff after it). */
  @Transform(int)
  @IsInt()
  @Min(1)
  EVENT_RETRY_BACKOFF_MS = 500;

  /**
   * How long a crashed worker's job stays locked before another worker takes it over (events,
   * commands). Shorter: faster takeover; longer than the slowest job, or it runs twice.
   */
  @Transform(int) @IsInt() @Min(1000) EVENT_LOCK_MS = 30_000;
  @Transform(int) @IsInt() @Min(1000) COMMAND_LOCK_MS = 30_000;

  /** How often the deadline watchdog fires deadlines past due whose timer never fired (a leader duty). */
  @Transform(int) @IsInt() @Min(100) DEADLINE_SWEEP_MS = 10_000;

  /**
   * Leader election: how often a worker tries the leader's advisory lock, and how often the leader
   * checks it still holds it. A follower takes over within this interval of the leader's death.
   */
  @Transform(int) @IsInt() @Min(100) LEADER_POLL_MS = 5000;

  /** How often the leader looks for the Redis epoch key (gone: Redis lost its data, the outbox replays). */
  @Transform(int) @IsInt() @Min(100) REDIS_LOSS_CHECK_MS = 2000;

  /** How often the leader's lost-write sweeper looks for committed events no consumer handled. */
  @Transform(int) @IsInt() @Min(100) SWEEP_INTERVAL_MS = 60_000;

  /**
   * An event sent this long ago that a consumer has not handled, and whose job Redis no longer has,
   * is sent again (a failover to a lagging replica lost it); a 202-accepted command not done after
   * this long, and gone from Redis, is queued again. Inboxes and idempotency keys make both harmless.
   */
  @Transform(int) @IsInt() @Min(100) SWEEP_AFTER_MS = 5 * 60_000;

  /** How far back the sweeper looks (older losses are an operator's matter: dead-letter redrive). */
  @Transform(int) @IsInt() @Min(1000) SWEEP_LOOKBACK_MS = 24 * 3600_000;

  /** How often the leader prunes outbox, inbox and command_log by age; 0 = never. */
  @Transform(int) @IsInt() @Min(0) RETENTION_INTERVAL_MS = 3600_000;

  /** Sent outbox rows older than this are deleted (at least the sweeper's look-back: checked at start). */
  @Transform(int) @IsInt() @Min(3600_000) OUTBOX_RETENTION_MS = 30 * 24 * 3600_000;

  /**
   * Inbox rows older than this are deleted. At least 8 days: a dead letter is kept 7 days and may be
   * redriven; its inbox row is what makes a redelivery harmless.
   */
  @Transform(int) @IsInt() @Min(8 * 24 * 3600_000) INBOX_RETENTION_MS = 30 * 24 * 3600_000;

  /** Command results older than this are deleted: a retry with the same Idempotency-Key after it runs again. At least 2 days. */
  @Transform(int) @IsInt() @Min(2 * 24 * 3600_000) COMMAND_LOG_RETENTION_MS = 30 * 24 * 3600_000;

  /**
   * How long the relay gathers notifications after the first one (one pass per batch of commits); 0 = none.
   * 1 ms since a relay pass got cheap (claim and BEGIN in one round trip, packed jobs): against 4 ms, three
   * interleaved quick benches each gave commit → projection p50 8.6 / p99 27.4 ms instead of 10.6 / 30.2,
   * with the drain and the closed loop no worse (docs/performance.md).
   */
  @Transform(int) @IsInt() @Min(0) @Max(1000) OUTBOX_COALESCE_MS = 1;

  /** District policy files loaded at worker start (relative to the working directory). */
  @IsString() @MinLength(1) POLICY_DIR = 'config/policies';

  /** Folder of the built web console the API serves at /console; unset: apps/console/dist. */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsString()
  @IsOptional()
  CONSOLE_DIR?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsString()
  @IsOptional()
  CORS_ORIGINS = '';

  /** SSE heartbeat comment interval of GET /events/stream (keeps proxies from closing idle streams). */
  @Transform(int)
  @IsInt()
  @Min(100)
  LIVE_HEARTBEAT_MS = 15_000;

  /** Deadlines per urgency in ms (policy defaults; the district policy file overrides). */
  @Transform(int) @IsInt() @Min(1) OFFER_WINDOW_EMERGENCY_MS = 15 * 60_000;
  @Transform(int) @IsInt() @Min(1) OFFER_WINDOW_URGENT_MS = 2 * 3600_000;
  @Transform(int) @IsInt() @Min(1) OFFER_WINDOW_ROUTINE_MS = 24 * 3600_000;
  @Transform(int) @IsInt() @Min(1) RESERVATION_HOLD_MS = 48 * 3600_000;

  /** Referrals with no cooperation agreement: SAME_DISTRICT_ALLOWED (within the district) or AGREEMENT_REQUIRED (refused, 403 DIRECTION_NOT_ALLOWED). */
  @IsIn(['SAME_DISTRICT_ALLOWED', 'AGREEMENT_REQUIRED'])
  COOPERATION_DEFAULT: 'SAME_DISTRICT_ALLOWED' | 'AGREEMENT_REQUIRED' = 'SAME_DISTRICT_ALLOWED';
  /** Webhook deliveries: attempts before the dead-letter queue, first backoff (doubles each retry), request timeout. */
  @Transform(int) @IsInt() @Min(1) @Max(50) WEBHOOK_MAX_ATTEMPTS = 10;
  @Transform(int) @IsInt() @Min(1) WEBHOOK_BACKOFF_MS = 2000;
  @Transform(int) @IsInt() @Min(100) WEBHOOK_TIMEOUT_MS = 5000;
  @Transform(int) @IsInt() @Min(1) @Max(64) WEBHOOK_CONCURRENCY = 8;

  /**
   * Test-only: lets webhook URLs point at loopback/private/link-local and other non-public addresses
   * (local receivers in tests and development). Unset or false: refused (SSRF). Refused at boot
   * in production.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : value === true || value === 'true'))
  @IsOptional()
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_URLS?: boolean;

  /**
   * Ed25519 private key (PEM, or the path of a PEM file) that signs audit checkpoints. Keep it
   * outside the database host: whoever holds it can sign a rewritten history.
   */
  @IsString()
  AUDIT_SIGNING_KEY = DEV_AUDIT_SIGNING_KEY;

  /** Ed25519 public key (PEM or path) that verifies checkpoints; unset: derived from AUDIT_SIGNING_KEY. */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsString()
  @IsOptional()
  AUDIT_VERIFY_KEY?: string;

  /**
   * How often each worker process reports how busy its event loop was (a Redis hash the API's /metrics reads:
   * bedlink_worker_event_loop_busy_ratio); 0 = never. One HSET per process and interval, none per command.
   */
  @Transform(int) @IsInt() @Min(0) WORKER_LOAD_REPORT_MS = 5_000;

  /** How often the worker verifies the trail since the last checkpoint and signs a new one; 0 = never. */
  @Transform(int) @IsInt() @Min(0) AUDIT_CHECKPOINT_INTERVAL_MS = 10 * 60_000;

  /** Where ArchiveAuditPartition writes a month's signed, gzipped file (copy it off the host afterwards). */
  @IsString() AUDIT_ARCHIVE_DIR = 'var/audit-archive';

  /** How many months ahead the leader keeps audit_log and outbox partitions created (checked every RETENTION_INTERVAL_MS). */
  @Transform(int) @IsInt() @Min(1) PARTITIONS_AHEAD_MONTHS = 3;

  /** /health/ready turns 503 when the oldest waiting command is older than this. */
  @Transform(int) @IsInt() @Min(100) READY_MAX_QUEUE_LAG_MS = 60_000;

  /**
   * Roles whose API token opens Bull Board at /admin/queues (read-only), comma-separated. The
   * dashboard shows queue health and sealed job envelopes, nothing in clear.
   */
  @IsString()
  @Matches(/^[A-Z_]+(,[A-Z_]+)*$/, { message: 'ADMIN_ROLES must be role names separated by commas' })
  ADMIN_ROLES = 'AUDITOR';

  /** Largest document a referral may carry, in bytes (POST /referrals/{id}/documents answers 413 beyond). */
  @Transform(int)
  @IsInt()
  @Min(1)
  @Max(104_857_600)
  DOCUMENT_MAX_BYTES = 10_485_760;

  /** Where document bytes live (encrypted with PII_KEY either way): Postgres, or an S3-compatible bucket (S3_*). */
  @IsIn(['postgres', 's3'])
  DOCUMENT_STORE: 'postgres' | 's3' = 'postgres';

  /** S3-compatible endpoint (MinIO, Ceph, s3rver, AWS); empty = AWS's own for S3_REGION. */
  @IsString()
  @IsOptional()
  S3_ENDPOINT = '';

  @IsString()
  S3_REGION = 'us-east-1';

  @IsString()
  S3_BUCKET = 'bedlink-documents';

  @IsString()
  @IsOptional()
  S3_ACCESS_KEY_ID = '';

  @IsString()
  @IsOptional()
  S3_SECRET_ACCESS_KEY = '';

  /** Path-style URLs (http://host/bucket/key): what MinIO and most self-hosted stores need. */
  @Transform(({ value }) => value === true || value === 'true' || value === '1')
  @IsBoolean()
  S3_FORCE_PATH_STYLE = true;

  /**
   * Virus-scan hook for uploads. Empty: no scanner (every file passes). Otherwise a command run with
   * the file on stdin (split on spaces, no shell): exit 0 clean, exit 1 infected (stdout names the
   * threat), anything else refuses the upload (503 SCAN_UNAVAILABLE: fail closed). E.g.
   * `clamdscan --no-summary -`, or for an ICAP server `c-icap-client` wrapped in a script.
   */
  @IsString()
  @IsOptional()
  DOCUMENT_SCAN_COMMAND = '';

  @Transform(int)
  @IsInt()
  @Min(100)
  DOCUMENT_SCAN_TIMEOUT_MS = 30_000;

  /**
   * Key that seals command jobs in Redis (AES-256-GCM: encrypted and authenticated, so the worker
   * refuses jobs the API or engine did not make). Unset: derived from PII_KEY. API and worker must agree.
   */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsString()
  @IsOptional()
  @MinLength(32, { message: 'JOB_SIGNING_KEY must be at least 32 characters (or 64 hex digits)' })
  JOB_SIGNING_KEY?: string;
}

const DEV_SECRETS = ['JWT_SECRET', 'PII_KEY', 'AUDIT_SIGNING_KEY'] as const;
const OPTIONAL = [
  'DATABASE_READ_URL',
  'DATABASE_SESSION_URL',
  'REDIS_SENTINELS',
  'REDIS_CLUSTER_NODES',
  'JWT_PUBLIC_KEY',
  'JWT_JWKS_URL',
  'JWT_JWKS_FILE',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'HOST',
  'WEBHOOK_ALLOW_PRIVATE_URLS',
  'PUBLIC_URL',
  'SEED_DEMO',
  'MIGRATION_DATABASE_URL',
  'AUDIT_VERIFY_KEY',
  'JOB_SIGNING_KEY',
  'AUTH_FAILURE_LIMIT',
  'METRICS_TOKEN',
  'CONSOLE_DIR',
  'HL7_MLLP_PORT',
  'COOKIE_SECURE',
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
];

/** The secrets still at their development default (printed at start outside production, refused in it). */
export function developmentSecretsIn(cfg: EnvConfig): string[] {
  const defaults = new EnvConfig();
  return DEV_SECRETS.filter((k) => cfg[k] === defaults[k]);
}

/** The district scripts/seed.ts creates; its presence in a production database is refused unless SEED_DEMO. */
export const DEMO_DISTRICT = 'jingan';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const known = Object.keys(new EnvConfig());
  const raw: Record<string, unknown> = {};
  for (const k of [...known, ...OPTIONAL]) if (env[k] !== undefined) raw[k] = env[k];
  const cfg = plainToInstance(EnvConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(cfg, { whitelist: true });
  if (errors.length) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  if (cfg.OUTBOX_RETENTION_MS < cfg.SWEEP_LOOKBACK_MS || cfg.INBOX_RETENTION_MS < cfg.SWEEP_LOOKBACK_MS)
    throw new Error('invalid configuration:\n  OUTBOX_RETENTION_MS, INBOX_RETENTION_MS: must be at least SWEEP_LOOKBACK_MS (the sweeper reads what they keep)');
  if (cfg.REDIS_CLUSTER_NODES && !cfg.QUEUE_PREFIX.startsWith('{'))
    throw new Error('invalid configuration:\n  QUEUE_PREFIX: with REDIS_CLUSTER_NODES the prefix must be a hash tag, e.g. {bedlink}');
  if (cfg.REDIS_CLUSTER_NODES && cfg.REDIS_SENTINELS) throw new Error('invalid configuration:\n  REDIS_SENTINELS: choose Sentinel or Cluster, not both');
  if (cfg.NODE_ENV === 'production') {
    if (cfg.WEBHOOK_ALLOW_PRIVATE_URLS)
      throw new Error('invalid configuration:\n  WEBHOOK_ALLOW_PRIVATE_URLS: private webhook targets are for tests and must not be allowed in production');
    const dev = developmentSecretsIn(cfg);
    if (dev.length) throw new Error(`invalid configuration:\n${dev.map((k) => `  ${k}: the development default must not be used in production`).join('\n')}`);
  }
  cfg.PUBLIC_URL = (cfg.PUBLIC_URL ?? `http://127.0.0.1:${cfg.PORT}`).replace(/\/+$/, '');
  return cfg;
}

export const ENV_CONFIG = Symbol('ENV_CONFIG');

/**
 * Production refuses a database that holds the demo district (known ids, tokens printed in
 * clear by the seed) unless SEED_DEMO says this is a demo deployment. Called by the api and the
 * worker at start with whether the district is present.
 */
export function assertNoDemoInProduction(cfg: EnvConfig, demoPresent: boolean): void {
  if (cfg.NODE_ENV === 'production' && demoPresent && !cfg.SEED_DEMO) {
    throw new Error(
      `invalid configuration:\n  SEED_DEMO: the demo district "${DEMO_DISTRICT}" is seeded in this production database; set SEED_DEMO=1 only for a demo deployment`,
    );
  }
}

/** The URL of session-bound work (the leader's lock, the relay's LISTEN): DATABASE_SESSION_URL, else DATABASE_URL. */
export function sessionDatabaseUrl(cfg: EnvConfig): string {
  return cfg.DATABASE_SESSION_URL ?? cfg.DATABASE_URL;
}

/** The URL migrations run with: the schema owner. */
export function migrationDatabaseUrl(cfg: EnvConfig): string {
  return cfg.MIGRATION_DATABASE_URL ?? cfg.DATABASE_URL;
}

/** The secret the job seal derives its key from: JOB_SIGNING_KEY, else a key derived from PII_KEY (never PII_KEY itself). */
export function jobSigningSecret(cfg: EnvConfig): string {
  return cfg.JOB_SIGNING_KEY ?? createHmac('sha256', cfg.PII_KEY).update('bedlink-job-seal').digest('hex');
}

export function authFailureLimit(cfg: EnvConfig): number {
  return cfg.AUTH_FAILURE_LIMIT ?? (cfg.NODE_ENV === 'production' ? 20 : cfg.RATE_LIMIT);
}

export function webhooksMayTargetPrivate(cfg: EnvConfig): boolean {
  return cfg.WEBHOOK_ALLOW_PRIVATE_URLS === true && cfg.NODE_ENV !== 'production';
}
