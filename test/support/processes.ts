import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvConfig } from '@bedlink/config';
import { Proc, startApp, stopApp } from '../../bench/support';

/** An engine's configuration as environment variables, for a process started beside it. */
export function envOf(cfg: EnvConfig, over: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
    else if (Array.isArray(v)) env[k] = v.join(',');
  }
  return { ...env, ...over };
}

/**
 * Worker processes (apps/worker/src/main.ts) beside an in-process engine, each logging to its own
 * file in a temp folder. `stopAll` is for afterAll: it SIGKILLs whatever is left and removes the
 * folder, so a failing test leaves no process behind.
 */
export class WorkerProcesses {
  readonly dir = mkdtempSync(join(tmpdir(), 'bedlink-workers-'));
  readonly procs: Proc[] = [];

  async start(env: Record<string, string>): Promise<Proc> {
    const p = startApp('worker', env, join(this.dir, `worker-${this.procs.length}.log`));
    this.procs.push(p);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const t = setTimeout(() => reject(new Error('worker did not come up within 90 s')), 90_000);
      p.child.stdout!.on('data', (b: Buffer) => {
        seen = (seen + b.toString()).slice(-4000);
        if (seen.includes('worker up')) {
          clearTimeout(t);
          resolve();
        }
      });
      void p.exited.then((code) => {
        clearTimeout(t);
        reject(new Error(`worker exited with ${code}: ${this.log(p).slice(-2000)}`));
      });
    });
    return p;
  }

  log(p: Proc): string {
    try {
      return readFileSync(join(this.dir, `worker-${this.procs.indexOf(p)}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => stopApp(p, 'SIGKILL')));
    if (!process.env.KEEP_WORKER_LOGS) rmSync(this.dir, { recursive: true, force: true });
  }
}
