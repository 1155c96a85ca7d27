import 'reflect-metadata';
import { Queue } from 'bullmq';
import { loadConfig } from '@bedlink/config';
import { DeadLetterJob, QUEUES, QueueName, bullConnection, closeSharedConnection, redriveDeadLetters } from '@bedlink/messaging';

/** Every queue whose consumer files dead letters (apps/worker/src/consumers/event-consumer.ts). */
const SOURCES: QueueName[] = [QUEUES.projections, QUEUES.timers, QUEUES.kpiEvents, QUEUES.webhookEvents, QUEUES.webhookDeliveries];

/** npm run dead-letter:redrive: retry every dead-lettered job on its source queue (after the cause is fixed). */
async function main(): Promise<number> {
  const cfg = loadConfig();
  const connection = bullConnection(cfg);
  const dead = new Queue<DeadLetterJob>(QUEUES.deadLetter, { connection, prefix: cfg.QUEUE_PREFIX });
  const sources = Object.fromEntries(SOURCES.map((name) => [name, new Queue(name, { connection, prefix: cfg.QUEUE_PREFIX })]));
  try {
    const r = await redriveDeadLetters(dead, sources, { budget: cfg });
    console.log(JSON.stringify(r));
    return 0;
  } finally {
    await Promise.all([dead.close(), ...Object.values(sources).map((q) => q.close())]);
    await closeSharedConnection(connection);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`redrive failed: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
