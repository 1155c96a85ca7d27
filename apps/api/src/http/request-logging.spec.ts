import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { EnvConfig, rootLogger } from '@bedlink/config';
import { requestLogging } from './request-logging';

/** A root logger at `level` whose lines are collected, parsed. */
function collector(level: string) {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const root = rootLogger({ LOG_LEVEL: level } as EnvConfig, 'api', sink);
  return { root, lines };
}

/** A request and a response as the middleware sees them: headers in, events and a status out. */
function exchange(url: string, headers: Record<string, string> = {}) {
  const req = Object.assign(new EventEmitter(), { url, method: 'POST', headers }) as unknown as IncomingMessage & { correlationId?: string; log?: any };
  const set: Record<string, string> = {};
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    writableFinished: false,
    setHeader: (k: string, v: string) => (set[k.toLowerCase()] = v),
  }) as unknown as ServerResponse & { writableFinished: boolean };
  const finish = (status: number) => {
    res.statusCode = status;
    (res as { writableFinished: boolean }).writableFinished = true;
    res.emit('finish');
    res.emit('close');
  };
  return { req, res, set, finish };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('requestLogging', () => {
  it('binds the client’s correlation id to the request’s logger, echoes it, and writes one line with the request when done', async () => {
    const { root, lines } = collector('info');
    const x = exchange('/patients?residentId=110101199003074578', { 'x-correlation-id': 'ward-7:call-42' });
    let nextCalled = false;
    requestLogging(root)(x.req, x.res, () => (nextCalled = true));
    expect(nextCalled).toBe(true);
    expect(x.req.correlationId).toBe('ward-7:call-42');
    expect(x.set['x-correlation-id']).toBe('ward-7:call-42');
    x.req.log.warn({ patient: { name: '张三' } }, 'while serving');
    x.finish(201);
    await flush();
    expect(lines).toHaveLength(2);
    // a line logged while serving carries the id, and a name inside it is censored
    expect(lines[0]).toMatchObject({ app: 'api', correlationId: 'ward-7:call-42', msg: 'while serving', patient: { name: '[REDACTED]' } });
    // the request's line: the query's values never written
    expect(lines[1]).toMatchObject({
      level: 30,
      correlationId: 'ward-7:call-42',
      msg: 'request completed',
      req: { id: 'ward-7:call-42', method: 'POST', url: '/patients?residentId=~' },
      res: { statusCode: 201 },
    });
    expect(typeof lines[1].responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('110101199003074578');
  });

  it('replaces a hostile correlation id and never logs it', async () => {
    const { root, lines } = collector('info');
    const x = exchange('/referrals', { 'x-correlation-id': 'evil\n{"level":60,"msg":"forged"}' });
    requestLogging(root)(x.req, x.res, () => undefined);
    x.finish(200);
    await flush();
    expect(x.req.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(x.set['x-correlation-id']).toBe(x.req.correlationId);
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('forged');
  });

  it('logs a 5xx at error, a client gone before the answer as aborted, and /health not at all', async () => {
    const { root, lines } = collector('info');
    const mw = requestLogging(root);
    const failed = exchange('/referrals/x/submit');
    mw(failed.req, failed.res, () => undefined);
    failed.finish(503);
    const gone = exchange('/referrals');
    mw(gone.req, gone.res, () => undefined);
    gone.res.emit('close');
    const health = exchange('/health/ready');
    mw(health.req, health.res, () => undefined);
    health.finish(200);
    await flush();
    expect(lines.map((l) => [l.level, l.msg, l.res.statusCode])).toEqual([
      [50, 'request errored', 503],
      [30, 'request aborted', 200],
    ]);
    // the health check still gets a logger of its own
    expect(health.req.correlationId).toBeDefined();
  });

  it('at warn writes no request line and never serializes the request for one', async () => {
    const { root, lines } = collector('warn');
    const x = exchange('/referrals');
    // the request serializer reads the url: a getter that counts the reads shows whether it ran
    let urlReads = 0;
    Object.defineProperty(x.req, 'url', { get: () => (urlReads++, '/referrals') });
    requestLogging(root)(x.req, x.res, () => undefined);
    const readsBefore = urlReads;
    x.finish(200);
    await flush();
    expect(lines).toHaveLength(0);
    expect(urlReads).toBe(readsBefore);
    // a 5xx is still written at warn: it is an error line
    const y = exchange('/referrals');
    requestLogging(root)(y.req, y.res, () => undefined);
    y.finish(500);
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['request errored']);
  });
});
