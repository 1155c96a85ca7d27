import { OutboxRelay } from './outbox.relay';

/**
 * The relay's loop around a claim made ahead (the next batch, claimed while the current one is
 * published). Postgres and Redis are replaced here on purpose: the case is the loop's bookkeeping when
 * that claim fails, which the fault suite reaches only when a fault lands while a claim is in flight.
 */
describe('outbox relay: a claim made ahead that fails', () => {
  it('is dropped: the next pass claims again instead of awaiting the same failure for ever', async () => {
    const cfg = { OUTBOX_POLL_MS: 20, OUTBOX_COALESCE_MS: 0 };
    const none = {} as never;
    const relay = new OutboxRelay(none, cfg as never, none, none, none, none, none, none);
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
