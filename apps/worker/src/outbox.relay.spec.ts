import { createServer, Socket } from 'node:net';
import { LISTEN_TIMEOUT_MS, OutboxRelay } from './outbox.relay';

/** Redis's epoch, as the relay finds it before its first pass: in place (redis-recovery.ts). */
const epochKnown = { checkEpoch: async () => undefined } as never;

/**
 * The relay's loop around a claim made ahead (the next batch, claimed while the current one is
 * published). Postgres and Redis are replaced here on purpose: the case is the loop's bookkeeping when
 * that claim fails, which the fault suite reaches only when a fault lands while a claim is in flight.
 */
describe('outbox relay: a claim made ahead that fails', () => {
  it('is dropped: the next pass claims again instead of awaiting the same failure for ever', async () => {
    const cfg = { OUTBOX_POLL_MS: 20, OUTBOX_COALESCE_MS: 0 };
    const none = {} as never;
    const relay = new OutboxRelay(none, cfg as never, none, none, none, none, none, none, epochKnown);
    const internals = relay as unknown as {
      store: { claim: (n: number) => Promise<unknown> };
      publish: () => Promise<void>;
      listener: unknown;
      running: boolean;
      wake?: () => void;
      run(): Promise<void>;
    };
    const batch = (n: number) => ({
      rows: Array.from({ length: n }, (_, i) => ({ id: String(i) })),
      webhookGeneration: '',
      query: async () => [],
      commit: async () => undefined,
      rollback: async () => undefined,
    });
    let claims = 0;
    // a full batch (so the next is claimed ahead), that claim fails (Postgres cut), then empty passes
    internals.store = {
      claim: async (n: number) => {
        claims++;
        if (claims === 1) return batch(n);
        if (claims === 2) throw new Error('Connection terminated unexpectedly');
        return batch(0);
      },
    };
    internals.publish = async () => undefined;
    internals.listener = { end: async () => undefined }; // no LISTEN connection needed
    internals.running = true;
    const loop = internals.run();
    const deadline = Date.now() + 3000;
    while (claims < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    internals.running = false;
    internals.wake?.();
    await loop;
    expect(claims).toBeGreaterThanOrEqual(4);
    expect(relay.relayed).toBe(1000);
  });
});

describe('outbox relay: a LISTEN connection that never answers', () => {
  it('does not hold the loop: passes go on while it waits, and it gives up after its timeout (the relay waited for ever before)', async () => {
    // a server that accepts connections and says nothing: pg's connect would wait on it with no end
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const cfg = { OUTBOX_POLL_MS: 20, OUTBOX_COALESCE_MS: 0, DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none` };
    const none = {} as never;
    const relay = new OutboxRelay(none, cfg as never, none, none, none, none, none, none, epochKnown);
    const internals = relay as unknown as { store: { claim: () => Promise<unknown> }; running: boolean; wake?: () => void; run(): Promise<void> };
    let claims = 0;
    internals.store = {
      claim: async () => {
        claims++;
        return { rows: [], webhookGeneration: '', query: async () => [], commit: async () => undefined, rollback: async () => undefined };
      },
    };
    internals.running = true;
    const started = Date.now();
    const loop = internals.run();
    try {
      while (claims < 5 && Date.now() < started + LISTEN_TIMEOUT_MS) await new Promise((r) => setTimeout(r, 20));
      expect(claims).toBeGreaterThanOrEqual(5); // polling, within the first attempt's timeout
      expect(sockets).toHaveLength(1); // one attempt at a time, on the silent server
      // the attempt ends at its timeout and the next pass tries again
      while (sockets.length < 2 && Date.now() < started + LISTEN_TIMEOUT_MS * 3) await new Promise((r) => setTimeout(r, 50));
      expect(sockets.length).toBeGreaterThanOrEqual(2);
    } finally {
      internals.running = false;
      internals.wake?.();
      await loop;
      sockets.forEach((s) => s.destroy()); // ends the attempt in flight at once
      await (relay as unknown as { listening?: Promise<void> }).listening;
      silent.close();
    }
  }, 30_000);
});
