import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import IORedis from 'ioredis';
import { sleep } from '../../bench/support';

/**
 * What the private Redis harnesses (Sentinel, Cluster) share: waiting for a server they spawned, and
 * killing everything they spawned.
 */

/** Polls the local Redis on `port` (100 tries, 100 ms apart) until `ok` is true on a fresh connection; else throws `failure`. */
export async function untilRedis(port: number, ok: (r: IORedis) => Promise<boolean>, failure: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = new IORedis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await r.connect();
      if (await ok(r)) return;
    } catch {
      /* not yet */
    } finally {
      r.disconnect();
    }
    await sleep(100);
  }
  throw new Error(failure);
}

/** The Redis on `port` answers PING. */
export const redisReady = (port: number): Promise<void> => untilRedis(port, async (r) => (await r.ping()) === 'PONG', `redis on port ${port} did not start`);

/** SIGKILLs every process still running, waits for each to exit, then removes `dir`. */
export async function killAll(procs: Iterable<ChildProcess>, dir: string): Promise<void> {
  await Promise.all(
    [...procs].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          p.kill('SIGKILL');
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

/** Starts a loopback redis-server on `port` with its own data folder `dir` (created), no RDB snapshots, and `extra` options. */
export function spawnRedis(port: number, dir: string, extra: string[]): ChildProcess {
  mkdirSync(dir);
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra], { stdio: 'ignore' });
}
