import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Hl7Message } from '@medplum/core';
import { Hl7Connection, Hl7ErrorEvent, Hl7MessageEvent } from '@medplum/hl7';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor, DomainError } from '@bedlink/domain';
import { ApiKeyStore } from '@bedlink/persistence';
import { AUTH_FAILURES, AuthFailureCounter } from '../http/auth';
import { AdtService, salvageHeader } from './adt.service';
import { buildAck, Er7Error, Er7Message, header, parseEr7, segment, value } from './er7';

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

/**
 * HL7 v2 over MLLP (TCP), beside POST /hl7/v2: what hospital interface engines speak. Each
 * connection is @medplum/hl7's Hl7Connection (MLLP framing, Hl7Message from @medplum/core); the
 * message is handed to the same AdtService as HTTP, as the institution of the API key in MSH-8
 * (Security), and answered with its ACK on the same connection, in order.
 *
 * Not Hl7Server.start(): it listens on every interface, and the API binds HOST only. And
 * Hl7Connection trusts its peer (it buffers until a chunk ends in FS CR, with no size or time limit,
 * and keeps a frame it could not parse in its buffer), so this listener guards each socket first:
 * a frame over HL7_MLLP_MAX_BYTES, or a frame that does not start with VT, gets an AR and the
 * connection is closed; so does a connection silent or stuck mid-frame for HL7_MLLP_IDLE_MS, and
 * one whose credential fails (no guessing keys on one connection).
 */
@Injectable()
export class MllpListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('MLLP');
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly adt: AdtService,
    private readonly keys: ApiKeyStore,
    @Optional() @Inject(AUTH_FAILURES) private readonly failures?: AuthFailureCounter,
  ) {}

  /** Where it listens, or null when off (HL7_MLLP_PORT unset). */
  address(): { host: string; port: number } | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.cfg.HL7_MLLP_PORT === undefined) return;
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.cfg.HL7_MLLP_PORT, this.cfg.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error(`MLLP listener: ${e.message}`));
    this.server = server;
    this.log.log(`HL7 v2 MLLP listening on ${this.cfg.HOST}:${this.address()?.port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Idle: nothing received for the whole period while no message is being answered (a slow
    // command is not the sender's silence; the reply's write re-arms the timer).
    let inFlight = 0;
    socket.setTimeout(this.cfg.HL7_MLLP_IDLE_MS, () => {
      if (inFlight === 0) socket.destroy();
    });
    const peer = socket.remoteAddress ?? 'unknown';
    // Registered before Hl7Connection's own listener, so a bad frame is refused before it is buffered further.
    let pending = 0;
    let closing = false;
    const close = () => {
      socket.pause(); // read no more: nothing after a refusal is buffered
      socket.end(() => socket.destroy());
      setTimeout(() => socket.destroy(), 1_000).unref();
    };
    const refuseAndClose = (text: string, hl7Code = '100') => {
      if (closing) return;
      closing = true;
      socket.write(frame(AdtService.reject(text, hl7Code)));
      close();
    };
    socket.on('data', (chunk: Buffer) => {
      if (closing) return;
      if (pending === 0 && chunk[0] !== VT) return refuseAndClose('an MLLP frame starts with VT (0x0B)');
      pending += chunk.length;
      if (pending > this.cfg.HL7_MLLP_MAX_BYTES) return refuseAndClose(`the frame exceeds ${this.cfg.HL7_MLLP_MAX_BYTES} bytes`);
      if (chunk.length >= 2 && chunk[chunk.length - 2] === FS && chunk[chunk.length - 1] === CR) pending = 0;
    });

    const conn = new Hl7Connection(socket);
    // One message at a time, in the order received: ADT order is the ward's order.
    let queue: Promise<void> = Promise.resolve();
    conn.addEventListener('message', (ev: Hl7MessageEvent) => {
      inFlight++;
      queue = queue.then(async () => {
        try {
          if (closing) return;
          const reply = await this.answer(ev.message.toString(), peer, () => (closing = true));
          if (!socket.destroyed) conn.send(Hl7Message.parse(reply));
          if (closing) close();
        } finally {
          inFlight--;
        }
      });
    });
    // A frame Hl7Message could not parse: answered AR; the connection's buffer still holds it, so it closes.
    conn.addEventListener('error', (ev: Hl7ErrorEvent) => {
      if (socket.destroyed) return;
      queue = queue.then(() => refuseAndClose(`not an HL7 v2 message: ${ev.error.message}`));
    });
  }

  /** The ACK for one message, as the MSH-8 key's institution; `close` when the credential failed. */
  private async answer(text: string, peer: string, close: () => void): Promise<string> {
    let msg: Er7Message;
    try {
      msg = parseEr7(text);
    } catch (e) {
      return AdtService.reject(e instanceof Er7Error ? e.message : 'unreadable message', e instanceof Er7Error ? e.hl7Code : '100', salvageHeader(text));
    }
    const h = header(msg);
    const key = value(msg, segment(msg, 'MSH'), 8);
    let actor: Actor;
    try {
      if (!key) throw new DomainError('UNAUTHENTICATED', 'MSH-8 (security) must carry the API key of the sending institution');
      actor = await this.keys.authenticate(key);
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'UNAUTHENTICATED')) {
        this.log.error(e instanceof Error ? e.message : String(e));
        return buildAck(h, 'AE', {
          controlId: `BL${randomUUID().slice(0, 8)}`,
          now: new Date(),
          text: 'internal error; the message was not processed',
          errorCode: '207',
        });
      }
      close();
      // counted against the peer like a failed HTTP authentication: the same limit, the same store
      const f = await this.failures?.fail(peer).catch(() => undefined);
      return AdtService.reject(f?.blocked ? `too many failed authentications from this address; retry after ${f.retryAfterSec} s` : e.message, '204', h);
    }
    return this.adt.handle(text, { actor, correlationId: randomUUID(), strictFacility: true });
  }
}

function frame(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}
