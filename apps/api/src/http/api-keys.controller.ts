import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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

  @Post() @ApiOperation({ summary: 'Issue an API key scoped to an institution and role; the key is shown once, only its hash is kept' })
  issue(@Body() dto: IssueApiKeyDto, @CurrentActor() a: Actor) {
    authorize(a, 'ManageApiKeys', { districtId: dto.districtId ?? a.districtId ?? null });
    return this.keys.issue(a, dto);
  }

  @Get() @ApiOperation({ summary: 'API keys of the district (never the keys themselves)' })
  list(@CurrentActor() a: Actor) {
    authorize(a, 'ManageApiKeys', {});
    return this.keys.list(a);
  }

  @Post(':id/revoke') @HttpCode(200) @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() a: Actor) {
    authorize(a, 'ManageApiKeys', {});
    return this.keys.revoke(a, id);
  }
}
