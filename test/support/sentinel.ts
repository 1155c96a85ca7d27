import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { freePorts, sleep } from '../../bench/support';
import { killAll, redisReady, spawnRedis } from './redis-procs';

/**
 * A private Redis with Sentinel, from Debian's redis-server: a primary, a replica and three
 * sentinels on free ports in a temp folder. `stop` kills every process it started and removes the
 * folder (call it from afterAll, so a failing test leaves nothing running).
 */
export class SentinelRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'bedlink-sentinel-'));
  readonly name = 'blmaster';
  readonly procs = new Map<string, ChildProcess>();
  primaryPort = 0;
  replicaPort = 0;
  sentinelPorts: number[] = [];

  get sentinels(): string {
    return this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  }

  async start(): Promise<void> {
    [this.primaryPort, this.replicaPort, ...this.sentinelPorts] = await freePorts(5);
    this.server('primary', this.primaryPort, []);
    await redisReady(this.primaryPort);
    this.server('replica', this.replicaPort, ['--replicaof', '127.0.0.1', String(this.primaryPort)]);
    await redisReady(this.replicaPort);
    for (const [i, port] of this.sentinelPorts.entries()) {
      const conf = join(this.dir, `sentinel-${i}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${this.name} 127.0.0.1 ${this.primaryPort} 2`,
          `sentinel down-after-milliseconds ${this.name} 1000`,
          `sentinel failover-timeout ${this.name} 5000`,
          `sentinel parallel-syncs ${this.name} 1`,
          '',
        ].join('\n'),
      );
      this.spawn(`sentinel-${i}`, [conf, '--sentinel']);
      await redisReady(port);
    }
    // the sentinels know the replica (they learn it from the primary's INFO) before anyone relies on them
    for (let i = 0; i < 100; i++) {
      const replicas = await this.sentinel((s) => s.call('SENTINEL', 'REPLICAS', this.name) as Promise<unknown[]>);
      if (Array.isArray(replicas) && replicas.length > 0) return;
      await sleep(100);
    }
    throw new Error('sentinels never saw the replica');
  }

  /** Where the sentinels say the primary is now. */
  async primary(): Promise<number> {
    const [, port] = (await this.sentinel((s) => s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name))) as [string, string];
    return Number(port);
  }

  /** The primary dies (SIGKILL): the sentinels promote the replica. */
  killPrimary(): void {
    this.procs.get('primary')?.kill('SIGKILL');
  }

  stop(): Promise<void> {
    return killAll(this.procs.values(), this.dir);
  }

  private server(name: string, port: number, extra: string[]): void {
    this.procs.set(name, spawnRedis(port, join(this.dir, name), ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction', ...extra]));
  }

  private spawn(name: string, args: string[]): void {
    this.procs.set(name, spawn('redis-server', args, { stdio: 'ignore' }));
  }

  private async sentinel<T>(fn: (s: IORedis) => Promise<T>): Promise<T> {
    let last: unknown;
    for (const port of this.sentinelPorts) {
      const s = new IORedis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await s.connect();
        return await fn(s);
      } catch (e) {
        last = e;
      } finally {
        s.disconnect();
      }
    }
    throw last;
  }
}
