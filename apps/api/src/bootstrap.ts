import type { HostResolver } from '@bedlink/messaging';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import { Express, static as serveStatic } from 'express';
import { Logger } from 'nestjs-pino';
import type { DestinationStream, Logger as Pino } from 'pino';
import { validationPipe } from './http/validation';
import { EnvConfig } from '@bedlink/config';
import { Clock, Policy } from '@bedlink/application';
import { ApiModule } from './api.module';
import { MetricsService } from './ops/metrics.service';
import { consoleDir } from './console/console.controller';
import { bodyGuard } from './http/body-guard';
import { requestLogging, ROOT_LOGGER } from './http/request-logging';
import { DOCUMENT_UPLOAD_PATH } from './documents/documents.controller';
import type { IncomingMessage } from 'node:http';

/** Builds the API application (used by main.ts, the tests and the bench alike). */
export async function createApi(
  cfg: EnvConfig,
  opts: { clock?: Clock; policy?: Policy; logger?: false | ('error' | 'warn' | 'log')[]; logDestination?: DestinationStream; resolver?: HostResolver } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(cfg, opts), {
    logger: opts.logger ?? ['error', 'warn', 'log'],
    bodyParser: false,
    bufferLogs: true,
  });
  // Structured JSON logs with redaction (nestjs-pino) for everything Nest logs from here on.
  app.useLogger(app.get(Logger));
  // first, so every request (including refused and unmatched ones) is timed
  app.use(app.get(MetricsService).httpMiddleware());
  // and logged: the request's logger, bound to its correlation id, before anything can refuse it
  app.use(requestLogging(app.get<Pino>(ROOT_LOGGER)));
  // Document uploads are raw bytes whatever their Content-Type says (a FHIR JSON file stays bytes):
  // parsed first, up to the document limit (+1 byte, so "too large" is ours to say, with the limit).
  app.useBodyParser('raw', {
    limit: cfg.DOCUMENT_MAX_BYTES + 1,
    type: (req: IncomingMessage) => req.method === 'POST' && DOCUMENT_UPLOAD_PATH.test(req.url ?? ''),
  });
  app.useBodyParser('json', { limit: '256kb', type: ['application/json', 'application/*+json'] });
  app.use(bodyGuard);
  // the console's session and CSRF cookies (unsigned: the session id is a random secret checked server-side)
  app.use(cookieParser());
  // HL7 v2 ER7 arrives as text, on /hl7 only, and a bed import as CSV on /beds/import (elsewhere a
  // text body stays unparsed, as before).
  app.useBodyParser('text', {
    limit: '256kb',
    type: (req) => {
      const url = req.url ?? '';
      const type = String(req.headers['content-type'] ?? '');
      return (
        (url.startsWith('/hl7/') && /^(text\/plain|x-application\/hl7-v2\+er7)\b/i.test(type)) || (url.startsWith('/beds/import') && /^text\/csv\b/i.test(type))
      );
    },
  });
  app.use(helmet({ contentSecurityPolicy: false }));
  app.enableCors({ origin: cfg.CORS_ORIGINS ? cfg.CORS_ORIGINS.split(',').map((s) => s.trim()) : false });
  app.set('trust proxy', 'loopback');
  // The console's hashed assets; unknown /console paths fall through to ConsoleController (SPA).
  app.use('/console', serveStatic(consoleDir(cfg), { index: false, fallthrough: true, maxAge: '1h' }));
  app.disable('x-powered-by');
  app.useGlobalPipes(validationPipe());
  // The OpenAPI document is built on the first request for /docs or /docs-json and kept: building it walks every
  // route and DTO, about 0.3 s of CPU at each start of an API (every replica, every test suite's engine) for a
  // page that most starts never serve.
  let document: OpenAPIObject | undefined;
  const openApi = () =>
    (document ??= SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Bedlink 五床联动 engine')
        .setDescription('Referral and bed-linkage workflow engine: commands, read models, FHIR facade')
        .setVersion('0.1.0')
        .addBearerAuth()
        .build(),
    ));
  // Its text is made once too. Swagger's own raw routes serialize the whole document on every request, on
  // routes no guard or rate limit sees: /docs-yaml took about 50 ms of CPU a request and /docs-json 6, so a
  // stranger could keep a core busy with twenty requests a second. /docs-json is served from the text kept;
  // the YAML copy, documented nowhere, is not served.
  let json: string | undefined;
  (app.getHttpAdapter().getInstance() as Express).get('/docs-json', (_req, res) => {
    res.type('application/json').send((json ??= JSON.stringify(openApi())));
  });
  SwaggerModule.setup('docs', app, openApi, { raw: false });
  app.enableShutdownHooks();
  return app;
}
