import { ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from '../../bench/support';
import { killAll, redisReady, spawnRedis, untilRedis } from './redis-procs';

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
    this.ports = await freePorts(3);
    for (const port of this.ports) {
      this.procs.push(
        spawnRedis(port, join(this.dir, String(port)), ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--appendonly', 'no']),
      );
    }
    for (const port of this.ports) await redisReady(port);
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await untilRedis(this.ports[0], async (r) => /cluster_state:ok/.test(String(await r.call('CLUSTER', 'INFO'))), 'redis cluster did not become ok');
  }

  stop(): Promise<void> {
    return killAll(this.procs, this.dir);
  }
}
