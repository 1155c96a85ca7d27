import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Actor } from '@bedlink/domain';
import { AroundReads } from '@bedlink/persistence';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';

const uuid = new ParseUUIDPipe();

/** Waiting lists of care homes and community centres: read the list, offer a freed bed from it by hand (policy CONFIRM). */
@ApiTags('referrals')
@ApiBearerAuth()
@Controller()
export class WaitingListsController {
  constructor(
    private readonly reads: AroundReads,
    private readonly commands: CommandRunner,
  ) {}

  @Get('institutions/:id/waiting-list')
  @ApiOperation({ summary: 'The institution’s waiting list in order, with positions and time waited (no patient identifiers)' })
  @ApiOkResponse({ description: 'entries, first first' })
  @ApiErrors(...READ_ERRORS)
  list(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    return this.reads.waitingList(a, id);
  }

  @Post('beds/:id/offer-from-waiting-list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Offer this free bed to the first referral on its institution’s waiting list that it suits' })
  @ApiCommand()
  offer(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('OfferFromWaitingList', { bedId: id }, a, req, res, {});
  }
}
