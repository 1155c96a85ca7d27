import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { EnvConfig } from './config';

/** Fields that identify a patient or carry a credential: censored wherever they appear in a log object. */
const SECRET_KEYS = ['residentId', 'resident_id', 'name', 'phone', 'authorization', 'apiKey', 'key', 'cookie', 'token', 'password'];
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  '*["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-access-reason"]',
  'res.headers["set-cookie"]',
];

/** A client-chosen id goes into every log line, the audit trail and webhook headers: short and inert only. */
export const CORRELATION_RE = /^[A-Za-z0-9._:-]{1,64}$/;

/** The client's X-Correlation-Id when well-formed, else a fresh one (the bad one is never logged); echoed on the response. */
export function correlationIdOf(req: IncomingMessage, res?: ServerResponse): string {
  const given = req.headers['x-correlation-id'];
  const id = typeof given === 'string' && CORRELATION_RE.test(given) ? given : randomUUID();
  res?.setHeader('X-Correlation-Id', id);
  return id;
}

/** Query strings may carry a resident ID (GET /patients?residentId=): logged without values. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  return (
    url.slice(0, q) +
    '?' +
    url
      .slice(q + 1)
      .split('&')
      .map((kv) => `${kv.split('=')[0]}=~`)
      .join('&')
  );
}

/**
 * The process's root logger: structured JSON, one line per event, the app's name on each, identifiers and
 * credentials censored. In the API each request gets a child of it bound to its correlation id
 * (apps/api/src/http/request-logging.ts), so every line logged while serving it carries that id.
 */
export function rootLogger(cfg: EnvConfig, app: 'api' | 'worker', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: cfg.LOG_LEVEL,
    base: { app },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req: (req: { correlationId?: string; method?: string; url?: string }) => ({ id: req.correlationId, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * nestjs-pino over the root logger: Nest's own lines and every injected logger write through it, and inside a
 * request through the child the API's request middleware left on `req.log` (useExisting: nestjs-pino makes
 * no request logger of its own).
 */
export function loggerParams(root: Logger): Params {
  return { pinoHttp: { logger: root }, useExisting: true };
}
