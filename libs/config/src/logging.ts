import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
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
 * Structured JSON logs for both processes (nestjs-pino), one line per event, with identifiers and
 * credentials censored and the request's correlation id on every line logged while serving it.
 */
export function loggerParams(cfg: EnvConfig, app: 'api' | 'worker', destination?: DestinationStream): Params {
  const options = {
    level: cfg.LOG_LEVEL,
    base: { app },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const r = req as IncomingMessage & { correlationId?: string };
      r.correlationId ??= correlationIdOf(req, res);
      return r.correlationId;
    },
    customProps: (req: IncomingMessage) => ({ correlationId: (req as IncomingMessage & { correlationId?: string }).correlationId }),
    serializers: {
      req: (req: { id?: string; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: app === 'api' ? { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') } : false,
  };
  return { pinoHttp: destination ? [options, destination] : options } as Params;
}
