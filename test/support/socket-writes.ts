import type { Socket } from 'node:net';

/**
 * How many writes (write or writev syscalls) `socket` makes while `run` runs: what a statement or command
 * costs the process on the other end in wake-ups. Counted at the stream's own _write/_writev, which Node calls
 * once per write it hands to the system, however many chunks a corked socket gathered into it.
 */
export async function writesDuring(socket: Socket, run: () => Promise<unknown>): Promise<number> {
  const stream = socket as unknown as Record<string, (...a: unknown[]) => unknown>;
  let writes = 0;
  const restores = ['_write', '_writev'].map((m) => {
    const original = stream[m];
    stream[m] = function (this: unknown, ...a: unknown[]) {
      writes++;
      return original.apply(this, a);
    };
    return () => (stream[m] = original);
  });
  try {
    await run();
  } finally {
    for (const restore of restores) restore();
  }
  return writes;
}
