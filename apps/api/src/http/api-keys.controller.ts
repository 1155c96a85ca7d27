import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, COMMAND_ERRORS, READ_ERRORS } from './api-docs';
import { Actor, authorize } from '@bedlink/domain';
import { IssueApiKeyDto } from '@bedlink/contracts';
import { ApiKeyStore } from '@bedlink/persistence';
import { API_KEYS, CurrentActor } from './auth';

/** Credentials for machine clients (a hospital information system), managed by the district coordinator. */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(@Inject(API_KEYS) private readonly keys: ApiKeyStore) {}

  @Post() @ApiOperation({ summary: 'Issue an API key scoped to an institution and role; the key is shown once, only its hash is kept' }) @ApiCreatedResponse({ description: 'the key, shown once' }) @ApiErrors(...COMMAND_ERRORS)
  issue(@Body() dto: IssueApiKeyDto, @CurrentActor() a: Actor) {
    authorize(a, 'ManageApiKeys', { districtId: dto.districtId ?? a.districtId ?? null });
    return this.keys.issue(a, dto);
  }

  @Get() @ApiOperation({ summary: 'API keys of the district (never the keys themselves)' }) @ApiOkResponse({ description: 'the keys’ metadata' }) @ApiErrors(...READ_ERRORS)
  list(@CurrentActor() a: Actor) {
    authorize(a, 'ManageApiKeys', {});
    return this.keys.list(a);
  }

  @Post(':id/revoke') @HttpCode(200) @ApiOperation({ summary: 'Revoke an API key; it stops working at once' }) @ApiOkResponse({ description: 'revoked' }) @ApiErrors(...READ_ERRORS)
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() a: Actor) {
    authorize(a, 'ManageApiKeys', {});
    return this.keys.revoke(a, id);
  }
}
