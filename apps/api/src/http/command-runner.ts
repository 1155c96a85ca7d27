import { Inject, Injectable, Optional } from '@nestjs/common';
import { Request, Response } from 'express';
import { Actor, CommandName, DomainError, ErrorCode, Urgency } from '@bedlink/domain';
import { CommandGateway } from '@bedlink/messaging';
import { ReferralReads } from '@bedlink/persistence';
import { MetricsService } from '../ops/metrics.service';
import { DatabaseState } from './database-state';
import { correlationIdOf, serverTiming, StageMarks } from '@bedlink/config';

export const COMMAND_GATEWAY = Symbol('COMMAND_GATEWAY');

/**
 * HTTP side of a command: Idempotency-Key → job id; `Prefer: respond-async` → 202 at once;
 * otherwise wait for the worker and answer with its result, or 202 + status URL if it takes
 * longer than the configured wait.
 */
@Injectable()
export class CommandRunner {
  constructor(
    @Inject(COMMAND_GATEWAY) private readonly gateway: CommandGateway,
    private readonly referrals: ReferralReads,
    @Optional() private readonly metrics?: MetricsService,
    @Optional() private readonly database?: DatabaseState,
  ) {}

  /** While this process knows Postgres is gone, a command is refused as a read would be (503), not queued. */
  private assertDatabaseUp(): void {
    if (this.database?.down) throw new DomainError('DATABASE_UNAVAILABLE', 'the database is unreachable; try again shortly');
  }

  /**
   * A referral's urgency is set when it is drafted and never changes, so this process keeps the
   * ones it has seen (drafted here, or read once): a command on a known referral costs no query.
   * Bounded: the oldest entry goes when full (a miss is one indexed read, never a wrong answer).
   */
  private readonly urgencies = new Map<string, Urgency>();
  private static readonly MAX_URGENCIES = 50_000;

  private remember(referralId: string, urgency: Urgency): void {
    if (this.urgencies.size >= CommandRunner.MAX_URGENCIES) this.urgencies.delete(this.urgencies.keys().next().value as string);
    this.urgencies.set(referralId, urgency);
  }

  /** A command on an existing referral inherits its urgency, so EMERGENCY work overtakes a ROUTINE backlog. */
  private async urgencyOf(payload: object): Promise<Urgency | undefined> {
    const id = (payload as { referralId?: unknown }).referralId;
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const known = this.urgencies.get(id);
    if (known) return known;
    const u = await this.referrals.urgencyOf(id);
    if (u) this.remember(id, u);
    return u;
  }

  async run(
    type: CommandName,
    payload: object,
    actor: Actor,
    req: Request,
    res: Response,
    opts: { created?: boolean; urgency?: Urgency } = {},
  ): Promise<Record<string, unknown>> {
    const key = req.header('idempotency-key');
    if (key !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(key))
      throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    this.assertDatabaseUp();
    const wait = !/respond-async/i.test(req.header('prefer') ?? '');
    // Set by the logger middleware (nestjs-pino genReqId) from X-Correlation-Id or fresh; the same id is on every log line.
    const correlationId = (req as Request & { correlationId?: string }).correlationId ?? correlationIdOf(req, res);
    const marks: StageMarks = { received: (req as Request & { receivedAt?: number }).receivedAt ?? NaN };
    const urgency = opts.urgency ?? (await this.urgencyOf(payload));
    const dispatch = () => this.gateway.dispatch(type, payload as Record<string, unknown>, actor, { idempotencyKey: key, wait, urgency, correlationId, marks });
    // outcome: ok / refused (a domain error) / accepted (answered 202 before the result) / error (no answer)
    const r = this.metrics
      ? await this.metrics.observeCommand(type, dispatch, (x) => (x.status === 'accepted' ? 'accepted' : x.outcome.ok ? 'ok' : 'refused'))
      : await dispatch();
    res.setHeader('X-Command-Id', r.commandId);
    res.setHeader('Server-Timing', serverTiming(marks));
    if (r.status === 'accepted') {
      res.status(202).setHeader('Location', `/commands/${r.commandId}`);
      return { commandId: r.commandId, status: 'accepted', statusUrl: `/commands/${r.commandId}` };
    }
    if (!r.outcome.ok) throw new DomainError(r.outcome.error.code as ErrorCode, r.outcome.error.message, r.outcome.error.details);
    const drafted = type === 'DraftReferral' ? (r.outcome.result as { referralId?: unknown }).referralId : undefined;
    if (typeof drafted === 'string' && opts.urgency) this.remember(drafted, opts.urgency);
    res.status(opts.created ? 201 : 200);
    return { commandId: r.commandId, ...r.outcome.result };
  }

  /**
   * The same path for facades that must answer with the new state (FHIR, HL7 v2): always waits,
   * and takes the idempotency key from the caller because one request may issue several commands.
   */
  async execute(
    type: CommandName,
    payload: object,
    actor: Actor,
    req: Request,
    opts: { idempotencyKey?: string; urgency?: Urgency } = {},
  ): Promise<Record<string, unknown>> {
    this.assertDatabaseUp();
    // validated like everywhere else (a raw header would reach the logs, the audit and webhooks)
    const correlationId = (req as Request & { correlationId?: string }).correlationId ?? correlationIdOf(req);
    return this.executeAs(type, payload, actor, { ...opts, correlationId });
  }

  /** `execute` for a transport without an HTTP request (HL7 v2 over MLLP): the caller brings the correlation id. */
  async executeAs(
    type: CommandName,
    payload: object,
    actor: Actor,
    opts: { idempotencyKey?: string; urgency?: Urgency; correlationId: string },
  ): Promise<Record<string, unknown>> {
    const r = await this.gateway.dispatch(type, payload as Record<string, unknown>, actor, {
      idempotencyKey: opts.idempotencyKey,
      wait: true,
      urgency: opts.urgency,
      correlationId: opts.correlationId,
    });
    if (r.status === 'accepted')
      throw new DomainError('COMMAND_FAILED', `${type} is still running (command ${r.commandId}); read the resource again shortly`, { commandId: r.commandId });
    if (!r.outcome.ok) throw new DomainError(r.outcome.error.code as ErrorCode, r.outcome.error.message, r.outcome.error.details);
    return { commandId: r.commandId, ...r.outcome.result };
  }
}
