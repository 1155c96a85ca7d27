/** A socket as the engine's drivers hold it (pg's connection.stream, ioredis' stream): one that can be corked. */
export interface Corkable {
  cork?(): void;
  uncork?(): void;
}

/**
 * Runs `send` with `socket` corked, so what it queues goes out in one write: one syscall and one wake-up of
 * the server on the other end, instead of one per command (Node counts corks, so a driver's own cork around
 * each command is held by this one). A socket that cannot be corked (none, or a cluster client's several)
 * writes as it would have.
 */
export function inOneWrite<T>(socket: Corkable | undefined, send: () => T): T {
  const corked = canCork(socket);
  if (corked) socket.cork();
  try {
    return send();
  } finally {
    if (corked) socket.uncork();
  }
}

/** The socket can be corked: one there, with both cork and uncork (a cluster client's several sockets are none). */
export function canCork(socket: Corkable | undefined): socket is Required<Corkable> {
  return typeof socket?.cork === 'function' && typeof socket.uncork === 'function';
}
