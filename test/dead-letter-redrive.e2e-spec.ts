import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Policy } from '@bedlink/application';
import { loadConfig } from '@bedlink/config';
import {
  DeadLetterJob,
  deadLetterJobId,
  deadlineJobId,
  EventJob,
  jobOptions,
  QUEUES,
  QueueName,
  redisOptionsFromUrl,
  redriveDeadLetters,
  WebhookDeliveryJob,
  webhookDeliveryJobId,
} from '@bedlink/messaging';
import { fallbackPolicy } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';

jest.setTimeout(120_000);

/**
 * Every consumer queue files its dead letters through the one host, in the one DeadLetterJob shape,
 * and the redrive puts each back on its source queue, where it runs again once the cause is fixed.
 * The causes are real: a Postgres trigger refusing the poison event's inbox row (projections, KPIs,
 * webhook fan-out), a district whose policy cannot be read (timers), a receiver answering 500
 * (webhook deliveries).
 */
describe('Dead letters: every consumer queue files them, the redrive runs them again', () => {
  let e: Engine;
  let queues: Record<QueueName, Queue>;
  let deadLetter: Queue<DeadLetterJob>;
  let receiver: Server;
  let receiverUp = false;
  const hits: number[] = [];
  let policyBroken = true;
  const POISON_DISTRICT = `poison-${randomUUID().slice(0, 8)}`;
  const fallback = fallbackPolicy(loadConfig({ NODE_ENV: 'test' }));
  const policy: Policy = {
    forDistrict: async (id) => {
      if (policyBroken && id === POISON_DISTRICT) throw new Error(`policy of ${id} unreadable`);
      return fallback(id);
    },
  };
  const SOURCES: QueueName[] = [QUEUES.projections, QUEUES.kpiEvents, QUEUES.webhookEvents, QUEUES.timers, QUEUES.webhookDeliveries];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = receiverUp ? 200 : 500;
        hits.push(status);
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    e = await startEngine({
      policy,
      env: { EVENT_RETRY_ATTEMPTS: '2', EVENT_RETRY_BACKOFF_MS: '50', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
    });
    const connection = redisOptionsFromUrl(e.cfg.REDIS_URL);
    queues = Object.fromEntries(SOURCES.map((q) => [q, new Queue(q, { connection, prefix: e.cfg.QUEUE_PREFIX })])) as Record<QueueName, Queue>;
    deadLetter = new Queue(QUEUES.deadLetter, { connection, prefix: e.cfg.QUEUE_PREFIX });
  });
  afterAll(async () => {
    await Promise.all([...Object.values(queues ?? {}).map((q) => q.close()), deadLetter?.close()]);
    await e?.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('a poison job fails its last attempt in each consumer queue, is dead-lettered, and runs again after a redrive', async () => {
    const d = await smallDistrict(e);
    const poisonId = randomUUID();
    const offerId = randomUUID();
    // the inbox refuses the poison event (a plain error, not an outage: attempts are spent)
    await e.ds.query(
      `CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.event_id = '${poisonId}' THEN RAISE EXCEPTION 'poison event'; END IF; RETURN NEW; END $$`,
    );
    await e.ds.query(`CREATE TRIGGER refuse_poison BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);

    const event = (type: string, payload: Record<string, unknown>): EventJob => ({
      eventId: poisonId,
      type,
      aggregateType: 'Referral',
      aggregateId: randomUUID(),
      payload,
      metadata: {
        actor: { userId: 'test', institutionId: null, roles: [] } as unknown as EventJob['metadata']['actor'],
        correlationId: randomUUID(),
        causationId: null,
        commandId: randomUUID(),
        occurredAt: new Date().toISOString(),
        aggregateSeq: 1,
        reason: null,
      },
      committedAt: new Date().toISOString(),
    });
    const opts = jobOptions('event', { jobId: poisonId }, e.cfg);
    await queues[QUEUES.projections].add('BedStatusChanged', event('BedStatusChanged', {}), opts);
    await queues[QUEUES.kpiEvents].add('OfferDeclined', event('OfferDeclined', {}), opts);
    await queues[QUEUES.webhookEvents].add('OfferDeclined', event('OfferDeclined', {}), opts);
    // The timers consumer's own work is disarming a paused offer (the relay arms deadlines): its
    // timers are in the deadlines queue, and the poison district's policy cannot be read.
    const deadlineAt = new Date(Date.now() + 3600_000).toISOString();
    const deadlines = new Queue(QUEUES.deadlines, { connection: redisOptionsFromUrl(e.cfg.REDIS_URL), prefix: e.cfg.QUEUE_PREFIX });
    const timerIds = [
      deadlineJobId('offer', offerId),
      ...fallback(POISON_DISTRICT).deadlineWarnings.map((f) => `offer-warn-${offerId}-${Math.round(f * 100)}`),
    ];
    for (const jobId of timerIds) await deadlines.add('warn-offer', { referralId: randomUUID(), offerId, dueAt: deadlineAt }, { jobId, delay: 3600_000 });
    await deadlines.close();
    await queues[QUEUES.timers].add('OfferPaused', event('OfferPaused', { referralId: randomUUID(), offerId, districtId: POISON_DISTRICT }), opts);

    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const sub = await ok(d.cc2c.post('/webhooks', { url, eventTypes: ['OfferDeclined'] }), 'subscribe');
    const delivery: WebhookDeliveryJob = { subscriptionId: sub.id, eventId: poisonId, eventType: 'OfferDeclined', correlationId: null, body: '{}' };
    const deliveryId = webhookDeliveryJobId(sub.id, poisonId);
    await queues[QUEUES.webhookDeliveries].add('OfferDeclined', delivery, jobOptions('webhook-delivery', { jobId: deliveryId }, e.cfg));

    // one dead letter per source queue, same shape, attempts spent, its source job failed
    const dead = await eventually(
      () => deadLetter.getJobs(['waiting']),
      (js) => SOURCES.every((s) => js.some((j) => j.data.source === s)),
      30_000,
    );
    expect(dead).toHaveLength(SOURCES.length);
    for (const s of SOURCES) {
      const j = dead.find((x) => x.data.source === s)!;
      const jobId = s === QUEUES.webhookDeliveries ? deliveryId : poisonId;
      expect(j.id).toBe(deadLetterJobId(s, jobId));
      expect(j.data).toMatchObject({ source: s, jobId, attempts: 2, lastError: expect.any(String), failedAt: expect.any(String) });
      expect(await (await queues[s].getJob(jobId))!.getState()).toBe('failed');
    }
    expect(hits).toEqual([500, 500]);

    // the causes are fixed; the redrive puts every dead letter back on its source queue
    await e.ds.query(`DROP TRIGGER refuse_poison ON inbox`);
    policyBroken = false;
    receiverUp = true;
    expect(await redriveDeadLetters(deadLetter, queues, { budget: e.cfg })).toEqual({ redriven: SOURCES.length, skipped: 0 });
    expect(await deadLetter.getJobs(['waiting'])).toEqual([]);

    for (const s of SOURCES) {
      const jobId = s === QUEUES.webhookDeliveries ? deliveryId : poisonId;
      await eventually(
        async () => (await queues[s].getJob(jobId))!.getState(),
        (state) => state === 'completed',
        15_000,
      );
    }
    // and each ran its effect this time
    const inbox = await e.ds.query(`SELECT consumer FROM inbox WHERE event_id = $1 ORDER BY consumer`, [poisonId]);
    expect(inbox.map((r: { consumer: string }) => r.consumer)).toEqual(['bed-board', 'kpis', 'webhooks']);
    // the paused offer's timers are gone
    const timers = await e.redis().keys(`${e.cfg.QUEUE_PREFIX}:${QUEUES.deadlines}:offer-*${offerId}*`);
    expect(timers).toEqual([]);
    expect(hits).toEqual([500, 500, 200]);
  });
});
