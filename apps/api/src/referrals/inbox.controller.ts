import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, READ_ERRORS } from '../http/api-docs';
import { Actor } from '@bedlink/domain';
import { InboxReads } from '@bedlink/persistence';
import { CurrentActor } from '../http/auth';

/**
 * What a receiving nurse needs to decide: the offers waiting on the institution, most urgent and
 * soonest-due first, with time left and a patient summary (no identifiers: those are behind
 * GET /patients/:id, which is access-logged).
 */
@ApiTags('referrals')
@ApiBearerAuth()
@Controller('institutions')
export class InboxController {
  constructor(private readonly reads: InboxReads) {}

  @Get(':id/inbox')
  @ApiOperation({ summary: 'Pending offers and placement requests for an institution, with time left' })
  @ApiOkResponse({ description: 'offers, most urgent and soonest due first' })
  @ApiErrors(...READ_ERRORS)
  inbox(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() a: Actor) {
    return this.reads.inbox(a, id);
  }
}
