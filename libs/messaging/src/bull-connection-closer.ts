import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { QueueBase } from 'bullmq';
import { Cluster, RedisOptions } from 'ioredis';
import { closeSharedConnection } from './redis-options';

/** The connections this process handed to BullMQ (`bullConnection`), for `BullConnectionCloser`. */
export const BULL_CONNECTIONS = Symbol('BULL_CONNECTIONS');

/**
 * Closes the Cluster clients this process handed to BullMQ (BullMQ closes only the clients it made),
 * after the workers, queues and queue-event readers that use them.
 *
 * The order is the point. Nest runs application-shutdown hooks from the root module outwards, so a
 * closer in the app's module ran before @nestjs/bullmq closed its workers: a job that finished after
 * the quit met "Connection is closed", and BullMQ, while closing, retries a job's completion without
 * a delay and without end. One core stayed busy, timers starved and the process never exited (the
 * Cluster suite hung CI that way). Closing a worker or queue twice is safe: BullMQ keeps its promise.
 */
@Injectable()
export class BullConnectionCloser implements OnApplicationShutdown {
  constructor(
    @Inject(BULL_CONNECTIONS) private readonly connections: (RedisOptions | Cluster)[],
    private readonly discovery: DiscoveryService,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.connections.some((c) => c instanceof Cluster)) return;
    await Promise.all(this.users().map((u) => u.close().catch(() => undefined)));
    await Promise.all(this.connections.map((c) => closeSharedConnection(c)));
  }

  /** Every BullMQ worker, queue and queue-event reader this process made through Nest. */
  private users(): QueueBase[] {
    const out: QueueBase[] = [];
    for (const { instance } of this.discovery.getProviders()) {
      if (instance instanceof QueueBase) out.push(instance);
      else if (instance instanceof WorkerHost) {
        try {
          out.push(instance.worker);
        } catch {
          /* never started (manual registration): nothing to close */
        }
      }
    }
    return out;
  }
}
