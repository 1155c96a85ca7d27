import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { QUEUES, workerLoadKey } from '@bedlink/messaging';

type Hash = { hset(k: string, f: string, v: string): Promise<number>; hdel(k: string, f: string): Promise<number> };

/**
 * Every WORKER_LOAD_REPORT_MS, the share of that time this process' event loop was busy, into a Redis hash
 * the API's /metrics reads (bedlink_worker_event_loop_busy_ratio). The worker's loop is the stage every
 * command slot, the relay and the consumers share: near 1 it is what commands and events wait for, whatever
 * the process' CPU says, since a callback waiting for a core counts as busy (docs/performance.md). That is
 * when another worker process helps, if the machine has a core for it.
 */
@Injectable()
export class EventLoopReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private last = performance.eventLoopUtilization();
  private readonly field = `${hostname()}:${process.pid}`;

  constructor(
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    @InjectQueue(QUEUES.commands) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.cfg.WORKER_LOAD_REPORT_MS) return;
    this.last = performance.eventLoopUtilization();
    this.timer = setInterval(() => void this.report(), this.cfg.WORKER_LOAD_REPORT_MS);
    this.timer.unref();
  }

  /** The share since the last report; a Redis that cannot be reached loses this one, the next may land. */
  async report(): Promise<void> {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
    const value = JSON.stringify({ busy: Math.round(busy * 1000) / 1000, at: Date.now(), everyMs: this.cfg.WORKER_LOAD_REPORT_MS });
    await this.redis()
      .then((r) => r.hset(workerLoadKey(this.cfg.QUEUE_PREFIX), this.field, value))
      .catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    // a process that stops takes its line away; one killed leaves it to go stale (the API skips it then)
    await this.redis()
      .then((r) => r.hdel(workerLoadKey(this.cfg.QUEUE_PREFIX), this.field))
      .catch(() => undefined);
  }

  private async redis(): Promise<Hash> {
    return (await this.queue.client) as unknown as Hash;
  }
}
