import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import {
  CONSUMERS,
  consumedTypes,
  jobOptions,
  PACK_BLOCK,
  PACKED_QUEUES,
  packedEventsJobId,
  QUEUES,
  SealedCommandJob,
  wantsWebhook,
  webhookRoutesOf,
} from '@bedlink/messaging';
import { SENT_AT_US } from '@bedlink/persistence';
import { LeaderElection } from './leader';

const PER_PASS = 1000;

/**
 * Repairs writes Redis acknowledged and then lost without losing everything (AOF everysec, a
 * failover to a lagging replica): the epoch key survives, so RedisRecovery sees nothing.
 *
 * - Events: an outbox row sent more than SWEEP_AFTER_MS ago that an inbox consumer has not
 *   handled, and whose job that consumer's queue no longer has (not waiting, delayed, running or
 *   failed; neither its own job nor the packed job that carried it), is marked unsent; the relay
 *   sends it again and the inbox keeps the effect single. A job Redis still holds is left alone: a slow queue or a dead letter is not
 *   a lost write.
 * - Commands answered 202: pending_commands rows whose result reached command_log are done and
 *   deleted; older ones Redis no longer has are queued again, sealed and keyed as before, so the
 *   command runs at most once.
 *
 * A leader duty (one sweeper per city). Bounded per pass and by SWEEP_LOOKBACK_MS.
 */
@Injectable()
export class LostWriteSweeper implements OnModuleInit {
  private readonly log = new Logger('LostWriteSweeper');
  private readonly queues: Record<string, Queue>;

  constructor(
    private readonly ds: DataSource,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly leader: LeaderElection,
    @InjectQueue(QUEUES.commands) private readonly commands: Queue<SealedCommandJob>,
    @InjectQueue(QUEUES.projections) projections: Queue,
    @InjectQueue(QUEUES.webhookEvents) webhookEvents: Queue,
    @InjectQueue(QUEUES.kpiEvents) kpiEvents: Queue,
  ) {
    this.queues = { [QUEUES.projections]: projections, [QUEUES.webhookEvents]: webhookEvents, [QUEUES.kpiEvents]: kpiEvents };
  }

  onModuleInit(): void {
    this.leader.register({
      name: 'lost-write-sweeper',
      everyMs: this.cfg.SWEEP_INTERVAL_MS,
      startNow: false,
      run: async () => {
        const r = await this.sweep();
        if (r.events || r.commands) this.log.warn(`lost writes repaired: ${r.events} event(s) sent again, ${r.commands} command(s) queued again`);
      },
    });
  }

  async sweep(): Promise<{ events: number; commands: number; done: number }> {
    const events = await this.sweepEvents();
    const { requeued, done } = await this.sweepCommands();
    return { events, commands: requeued, done };
  }

  private async sweepEvents(): Promise<number> {
    const lost = new Set<string>();
    // The relay sends an event to the webhook fan-out only when a live subscription wants it, so only
    // those events should have a webhooks inbox row; the others were never lost.
    const routes = webhookRoutesOf(await this.ds.query(`SELECT institution_id, event_types FROM webhook_subscriptions WHERE active`));
    for (const c of CONSUMERS.filter((x) => x.inbox)) {
      const queue = this.queues[c.queue];
      if (!queue) continue;
      if (c.queue === QUEUES.webhookEvents && !routes.size) continue;
      // On a packed queue the event may travel in a packed job, named by its claim's time and the first
      // event of its block that goes to this queue (packedEventsJobId): found from the row, as the relay made it.
      const packedTypes = PACKED_QUEUES.includes(c.queue)
        ? [...new Set(CONSUMERS.filter((x) => x.queue === c.queue).flatMap((x) => consumedTypes(x) ?? []))]
        : null;
      const rows: { event_id: string; event_type: string; payload: Record<string, unknown>; sent_at_us: string; packed_first: string | null }[] =
        await this.ds.query(
          `SELECT o.event_id, o.event_type, o.payload, ${SENT_AT_US('o')} AS sent_at_us,
                  CASE WHEN $5::text[] IS NOT NULL THEN
                    (SELECT f.event_id FROM outbox f
                      WHERE f.id >= o.id / ${PACK_BLOCK} * ${PACK_BLOCK} AND f.id < (o.id / ${PACK_BLOCK} + 1) * ${PACK_BLOCK}
                        AND f.sent_at = o.sent_at AND f.event_type = ANY($5::text[])
                      ORDER BY f.id LIMIT 1)
                  END AS packed_first
             FROM outbox o
            WHERE o.sent_at IS NOT NULL AND o.sent_at < now() - make_interval(secs => $2::float8 / 1000)
              AND o.created_at >= now() - make_interval(secs => $3::float8 / 1000)
              AND ($4::text[] IS NULL OR o.event_type = ANY($4::text[]))
              AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.consumer = $1 AND i.event_id = o.event_id)
            ORDER BY o.id LIMIT ${PER_PASS}`,
          [c.name, this.cfg.SWEEP_AFTER_MS, this.cfg.SWEEP_LOOKBACK_MS, consumedTypes(c), packedTypes],
        );
      for (const r of rows) {
        if (lost.has(r.event_id)) continue;
        if (c.queue === QUEUES.webhookEvents && !wantsWebhook(routes, r.event_type, r.payload)) continue;
        if ((await queue.getJobState(r.event_id)) !== 'unknown') continue;
        if (r.packed_first && (await queue.getJobState(packedEventsJobId(r.sent_at_us, r.packed_first))) !== 'unknown') continue;
        lost.add(r.event_id);
      }
    }
    if (!lost.size) return 0;
    // unsent again: the relay publishes it to every queue its type goes to (job id = event id)
    await this.ds.query(`UPDATE outbox SET sent_at = NULL WHERE event_id = ANY($1::uuid[]) AND sent_at IS NOT NULL`, [[...lost]]);
    return lost.size;
  }

  private async sweepCommands(): Promise<{ requeued: number; done: number }> {
    const done = await this.ds.query(`DELETE FROM pending_commands p USING command_log c WHERE c.id = p.id`);
    // TypeORM answers an UPDATE / DELETE with [rows, count]
    const [, expired] = await this.ds.query(`DELETE FROM pending_commands WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)`, [
      this.cfg.SWEEP_LOOKBACK_MS,
    ]);
    if (expired) this.log.error(`${expired} command(s) accepted with 202 never completed within the sweep look-back; given up`);
    const rows: { id: string; command_type: string; job: SealedCommandJob; priority: number }[] = await this.ds.query(
      `SELECT id, command_type, job, priority FROM pending_commands WHERE created_at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY created_at LIMIT ${PER_PASS}`,
      [this.cfg.SWEEP_AFTER_MS],
    );
    let requeued = 0;
    for (const r of rows) {
      if ((await this.commands.getJobState(r.id)) !== 'unknown') continue;
      // done between the DELETE above and now? then command_log has it and the worker answers from there
      await this.commands.add(r.command_type, r.job, jobOptions('command', { jobId: r.id, priority: r.priority }));
      requeued++;
    }
    return { requeued, done: Array.isArray(done) ? Number(done[1] ?? 0) : 0 };
  }
}
