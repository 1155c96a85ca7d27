import 'reflect-metadata';
import { Queue } from 'bullmq';
import { loadConfig } from '@bedlink/config';
import { QUEUES, redisOptionsFromUrl, redriveDeadLetters } from '@bedlink/messaging';

/** npm run dead-letter:redrive: retry every dead-lettered webhook delivery (after the receiver is fixed). */
async function main(): Promise<number> {
  const cfg = loadConfig();
  const connection = redisOptionsFromUrl(cfg.REDIS_URL);
  const dead = new Queue(QUEUES.deadLetter, { connection, prefix: cfg.QUEUE_PREFIX });
  const deliveries = new Queue(QUEUES.webhookDeliveries, { connection, prefix: cfg.QUEUE_PREFIX });
  try {
    const r = await redriveDeadLetters(dead, { [QUEUES.webhookDeliveries]: deliveries }, { addOptions: { backoff: { type: 'exponential', delay: cfg.WEBHOOK_BACKOFF_MS } } });
    console.log(JSON.stringify(r));
    return 0;
  } finally {
    await Promise.all([dead.close(), deliveries.close()]);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`redrive failed: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
