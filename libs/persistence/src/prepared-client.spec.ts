import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { createDataSource } from './data-source';

/** One backend message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), len, body]);
}

/** ErrorResponse with the fields pg reads: severity, code, message. */
function errorResponse(code: string, text: string): Buffer {
  const field = (k: string, v: string) => Buffer.concat([Buffer.from(k), Buffer.from(v), Buffer.from([0])]);
  return message('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', text), Buffer.from([0])]));
}

/**
 * A server that speaks just enough of the protocol: it accepts the startup message, says the connection is
 * ready and, in the same write, that the backend is terminated (what pg_terminate_backend does to a connection
 * the moment it is ready). Every connection meets the same end.
 */
function terminatingServer(): Promise<Server> {
  const server = createServer((s: Socket) => {
    s.on('error', () => undefined);
    s.once('data', () => {
      const authOk = message('R', Buffer.from([0, 0, 0, 0]));
      const ready = message('Z', Buffer.from('I'));
      s.end(Buffer.concat([authOk, ready, errorResponse('57P01', 'terminating connection due to administrator command')]));
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

describe('a connection terminated as it becomes ready', () => {
  let server: Server;
  beforeAll(async () => {
    server = await terminatingServer();
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  // Measured in the fault suite (pg_terminate_backend beside the engine): the API died of an unhandled 'error'
  // event (57P01). pg hands a new connection to the pool, and the pool to TypeORM, inside the handler of the
  // socket read that held ReadyForQuery; TypeORM attaches its error listener a microtask later, after the
  // ErrorResponse in the same read has been emitted on a client with no listener at all.
  it.each([true, false])('fails the request; the process does not die of an unhandled error event (prepared statements %s)', async (prepared) => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    const { port } = server.address() as AddressInfo;
    const ds = createDataSource(`postgres://u:p@127.0.0.1:${port}/db`, 2, undefined, prepared);
    try {
      const started = await ds.initialize().then(
        () => true,
        () => false,
      );
      if (started) await expect(ds.query('SELECT $1::int AS one', [1])).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    }
  });
});
