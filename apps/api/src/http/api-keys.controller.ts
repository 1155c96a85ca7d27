import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Request, Response } from 'express';
import { ApiCommand, ApiErrors, READ_ERRORS } from './api-docs';
import { Actor, authorize, DomainError } from '@bedlink/domain';
import { IssueApiKeyDto } from '@bedlink/contracts';
import { ApiKeyStore } from '@bedlink/persistence';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { API_KEYS, CurrentActor } from './auth';
import { CommandRunner } from './command-runner';

/**
 * Credentials for machine clients (a hospital information system), managed by the district
 * coordinator. Issuing and revoking are audited commands (IssueApiKey, RevokeApiKey). The key is
 * generated here and answered once; the command carries only its prefix and hash, so neither the
 * queue nor the audit log, the outbox or the command log ever holds it.
 */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly commands: CommandRunner,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Issue an API key scoped to an institution and role, expiring after expiresInDays; the key is shown once, only its hash is kept' })
  @ApiCommand(true)
  async issue(@Body() dto: IssueApiKeyDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const days = dto.expiresInDays ?? Math.min(this.cfg.API_KEY_DEFAULT_DAYS, this.cfg.API_KEY_MAX_DAYS);
    if (days > this.cfg.API_KEY_MAX_DAYS)
      throw new DomainError('VALIDATION_FAILED', `an API key lives at most ${this.cfg.API_KEY_MAX_DAYS} days`, { fields: ['expiresInDays'] });
    const { key, prefix, keyHash } = ApiKeyStore.newKey();
    const payload = {
      id: randomUUID(),
      label: dto.label,
      role: dto.role,
      institutionId: dto.institutionId ?? null,
      districtId: dto.districtId ?? null,
      prefix,
      keyHash,
      expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(),
    };
    const out = await this.commands.run('IssueApiKey', payload, a, req, res, { created: true });
    return { ...out, key };
  }

  @Get()
  @ApiOperation({ summary: 'API keys of the district, with their expiry (never the keys themselves)' })
  @ApiOkResponse({ description: 'the keys’ metadata' })
  @ApiErrors(...READ_ERRORS)
  list(@CurrentActor() a: Actor) {
    authorize(a, 'ManageApiKeys', {});
    return this.keys.list(a);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  @ApiCommand()
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RevokeApiKey', { apiKeyId: id }, a, req, res);
  }
}
