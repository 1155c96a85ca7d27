import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { freePort, sleep } from '../../bench/support';

/**
 * A private three-master Redis Cluster from Debian's redis-server and redis-cli, on free ports in a
 * temp folder. `stop` kills what it started and removes the folder (call it from afterAll).
 */
export class PrivateRedisCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'bedlink-cluster-'));
  readonly procs: ChildProcess[] = [];
  ports: number[] = [];

  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  async start(): Promise<void> {
    this.ports = [await freePort(), await freePort(), await freePort()];
    for (const port of this.ports) {
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      this.procs.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--dir',
            dir,
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--save',
            '',
            '--appendonly',
            'no',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of this.ports) await this.ready(port);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (let i = 0; i < 100; i++) {
      const r = new IORedis({ port: this.ports[0], host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await r.connect();
        if (/cluster_state:ok/.test(String(await r.call('CLUSTER', 'INFO')))) return;
      } catch {
        /* not yet */
      } finally {
        r.disconnect();
      }
      await sleep(100);
    }
    throw new Error('redis cluster did not become ok');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ready(port: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const r = new IORedis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await r.connect();
        if ((await r.ping()) === 'PONG') return;
      } catch {
        /* not yet */
      } finally {
        r.disconnect();
      }
      await sleep(100);
    }
    throw new Error(`redis on port ${port} did not start`);
  }
}
