import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Request, Response } from 'express';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandRunner } from '../http/command-runner';
import { ApiErrors, COMMAND_ERRORS, READ_ERRORS } from '../http/api-docs';
import { Actor, DomainError } from '@bedlink/domain';
import { CreateWebhookDto } from '@bedlink/contracts';
import { PII_CIPHER, PiiCipher, WebhookSubscriptions } from '@bedlink/persistence';
import { HOST_RESOLVER, HostResolver, privateTargetReason, WEBHOOK_REPLAY_WINDOW_S } from '@bedlink/messaging';
import { ENV_CONFIG, EnvConfig, webhooksMayTargetPrivate } from '@bedlink/config';
import { CurrentActor } from '../http/auth';

/**
 * An institution's webhook endpoints. Only users acting for an institution manage them, and only
 * their own institution's; district roles have no institution and are refused. Creating and
 * deleting are audited commands (CreateWebhook, DeleteWebhook); the signing secret is generated
 * and encrypted here, so the queue, the audit log and the command log only ever see ciphertext or nothing.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly subs: WebhookSubscriptions,
    @Inject(PII_CIPHER) private readonly cipher: PiiCipher,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly commands: CommandRunner,
    @Inject(HOST_RESOLVER) private readonly resolver: HostResolver,
  ) {}

  private institutionOf(a: Actor): string {
    if (!a.institutionId) throw new DomainError('FORBIDDEN', 'webhook subscriptions belong to an institution; this user acts for none', { role: a.role });
    return a.institutionId;
  }

  @Post()
  @ApiCreatedResponse({ description: 'the endpoint, with its signing secret shown once' })
  @ApiErrors(...COMMAND_ERRORS)
  @ApiOperation({
    summary: 'Register a webhook endpoint (the signing secret is in this answer and never again)',
    description:
      `Deliveries: POST JSON {id,type,occurredAt,aggregateType,aggregateId,data} with headers Bedlink-Event-Id (de-duplicate on it), Bedlink-Event-Type, ` +
      `Bedlink-Timestamp and Bedlink-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>. Refuse signatures more than ${WEBHOOK_REPLAY_WINDOW_S} s from your clock. ` +
      `Any non-2xx answer is retried with exponential backoff; after the last attempt the delivery goes to the dead-letter queue.`,
  })
  async create(@Body() dto: CreateWebhookDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const institutionId = this.institutionOf(a);
    if (!webhooksMayTargetPrivate(this.cfg)) {
      const why = await privateTargetReason(dto.url, this.resolver);
      if (why) throw new DomainError('VALIDATION_FAILED', `webhook url refused: ${why}`, { fields: ['url'] });
    }
    const secret = WebhookSubscriptions.newSecret();
    const payload = {
      id: randomUUID(),
      institutionId,
      url: dto.url,
      eventTypes: dto.eventTypes ?? [],
      description: dto.description ?? '',
      secretEnc: this.cipher.encrypt(secret),
    };
    const out = await this.commands.run('CreateWebhook', payload, a, req, res, { created: true });
    return { ...out, secret };
  }

  @Get()
  @ApiOkResponse({ description: 'the endpoints, without secrets' })
  @ApiErrors(...READ_ERRORS)
  @ApiOperation({ summary: "The caller's institution's webhook endpoints (without secrets)" })
  list(@CurrentActor() a: Actor) {
    return this.subs.list(this.institutionOf(a));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(...READ_ERRORS)
  @ApiOperation({ summary: 'Delete a webhook endpoint; deliveries still queued for it are dropped' })
  async remove(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    this.institutionOf(a);
    const out = await this.commands.run('DeleteWebhook', { subscriptionId: id }, a, req, res);
    // 202 when the worker is slow: the deletion is queued; otherwise nothing more to say.
    if (out.status !== 'accepted') res.status(204);
  }
}
