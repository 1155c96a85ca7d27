import { Inject, Injectable } from '@nestjs/common';
import { Request, Response } from 'express';
import { Actor, CommandName, DomainError, ErrorCode, Urgency } from '@bedlink/domain';
import { CommandGateway } from '@bedlink/messaging';
import { correlationIdOf } from '@bedlink/config';

export const COMMAND_GATEWAY = Symbol('COMMAND_GATEWAY');

/**
 * HTTP side of a command: Idempotency-Key → job id; `Prefer: respond-async` → 202 at once;
 * otherwise wait for the worker and answer with its result, or 202 + status URL if it takes
 * longer than the configured wait.
 */
@Injectable()
export class CommandRunner {
  constructor(@Inject(COMMAND_GATEWAY) private readonly gateway: CommandGateway) {}

  async run(type: CommandName, payload: object, actor: Actor, req: Request, res: Response, opts: { created?: boolean; urgency?: Urgency } = {}): Promise<Record<string, unknown>> {
    const key = req.header('idempotency-key');
    if (key !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(key)) throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 . _ : -');
    const wait = !/respond-async/i.test(req.header('prefer') ?? '');
    // Set by the logger middleware (nestjs-pino genReqId) from X-Correlation-Id or fresh; the same id is on every log line.
    const correlationId = (req as Request & { correlationId?: string }).correlationId ?? correlationIdOf(req, res);
    const r = await this.gateway.dispatch(type, payload as Record<string, unknown>, actor, { idempotencyKey: key, wait, urgency: opts.urgency, correlationId });
    res.setHeader('X-Command-Id', r.commandId);
    if (r.status === 'accepted') {
      res.status(202).setHeader('Location', `/commands/${r.commandId}`);
      return { commandId: r.commandId, status: 'accepted', statusUrl: `/commands/${r.commandId}` };
    }
    if (!r.outcome.ok) throw new DomainError(r.outcome.error.code as ErrorCode, r.outcome.error.message, r.outcome.error.details);
    res.status(opts.created ? 201 : 200);
    return { commandId: r.commandId, ...r.outcome.result };
  }
}
