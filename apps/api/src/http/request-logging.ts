import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { correlationIdOf } from '@bedlink/config';

/** The process's root logger (libs/config rootLogger), provided by ApiModule for the middleware below. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

type Logged = IncomingMessage & { correlationId?: string; log?: Logger };

/**
 * Each request's logger and its line: a child of the root logger bound to the request's correlation id (the
 * client's X-Correlation-Id when well-formed, else a fresh one, echoed on the response), which nestjs-pino
 * hands to every Nest logger used while serving the request; and one line when the response is done or the
 * client goes away, at info (error for a 5xx), with the request, its status and the time it took.
 *
 * Why not pino-http, which did this before: it binds a child logger to the whole request, serialized and
 * redacted as the child is made, for every request, even with quietReqLogger (which makes one more); with
 * customProps it made two more. Under the bench's closed loop that was 4-5 % of the API's CPU at
 * LOG_LEVEL=warn, where no request line is ever written (docs/performance.md, the section of 2026-12-02
 * 13:17). Here the child's one binding is a short string, and the request is serialized only on the line
 * that reports it, only when that line's level is on.
 *
 * Mounted first (after the metrics timer), so a request refused by a body parser or matching no route is
 * logged too. /health* is not logged: load balancers call it every few seconds.
 */
export function requestLogging(root: Logger) {
  return (req: Logged, res: ServerResponse, next: () => void): void => {
    const correlationId = (req.correlationId ??= correlationIdOf(req, res));
    const log = (req.log = root.child({ correlationId }));
    if (!(req.url ?? '').startsWith('/health')) {
      const start = Date.now();
      const done = () => {
        res.off('finish', done);
        res.off('close', done);
        const failed = res.statusCode >= 500;
        const level = failed ? 'error' : 'info';
        if (!log.isLevelEnabled(level)) return;
        const msg = !res.writableFinished ? 'request aborted' : failed ? 'request errored' : 'request completed';
        log[level]({ req, res, responseTime: Date.now() - start }, msg);
      };
      res.on('finish', done);
      res.on('close', done);
    }
    next();
  };
}
