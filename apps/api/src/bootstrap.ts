import type { HostResolver } from '@bedlink/messaging';
import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import { static as serveStatic } from 'express';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { DomainError } from '@bedlink/domain';
import { EnvConfig } from '@bedlink/config';
import { Clock, Policy } from '@bedlink/application';
import { ApiModule } from './api.module';
import { MetricsService } from './ops/metrics.service';
import { consoleDir } from './console/console.controller';
import { bodyGuard } from './http/body-guard';

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
  app.useBodyParser('json', { limit: '256kb', type: ['application/json', 'application/*+json'] });
  app.use(bodyGuard);
  // the console's session and CSRF cookies (unsigned: the session id is a random secret checked server-side)
  app.use(cookieParser());
  // HL7 v2 ER7 arrives as text, on /hl7 only (elsewhere a text body stays unparsed, as before).
  app.useBodyParser('text', {
    limit: '256kb',
    type: (req) => (req.url ?? '').startsWith('/hl7/') && /^(text\/plain|x-application\/hl7-v2\+er7)\b/i.test(String(req.headers['content-type'] ?? '')),
  });
  app.use(helmet({ contentSecurityPolicy: false }));
  app.enableCors({ origin: cfg.CORS_ORIGINS ? cfg.CORS_ORIGINS.split(',').map((s) => s.trim()) : false });
  app.set('trust proxy', 'loopback');
  // The console's hashed assets; unknown /console paths fall through to ConsoleController (SPA).
  app.use('/console', serveStatic(consoleDir(cfg), { index: false, fallthrough: true, maxAge: '1h' }));
  app.disable('x-powered-by');
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => {
        const flat = (es: typeof errors, prefix = ''): string[] =>
          es.flatMap((e) => [...Object.values(e.constraints ?? {}).map((m) => `${prefix}${m}`), ...flat(e.children ?? [], `${prefix}${e.property}.`)]);
        return new DomainError('VALIDATION_FAILED', flat(errors).join('; ') || 'invalid request', { fields: errors.map((e) => e.property) });
      },
    }),
  );
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Bedlink 五床联动 engine')
      .setDescription('Referral and bed-linkage workflow engine: commands, read models, FHIR facade')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
  app.enableShutdownHooks();
  return app;
}
