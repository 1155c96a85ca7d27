import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Actor, CommandName } from '@bedlink/domain';
import { AcceptOfferDto, DeclineOfferDto, DraftReferralDto, ExtendOfferDto, ListReferralsQuery, ReasonDto, RerouteDto, SubmitReferralDto, SurgeDto } from '@bedlink/contracts';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';
import { ReferralQueries } from './referral-queries';

const uuid = new ParseUUIDPipe();

/**
 * The referral lifecycle over HTTP. Every write is a command on the BullMQ `commands` queue
 * (send an Idempotency-Key to make retries safe; `Prefer: respond-async` for 202).
 */
@ApiTags('referrals')
@ApiBearerAuth()
@Controller('referrals')
export class ReferralsController {
  constructor(
    private readonly commands: CommandRunner,
    private readonly queries: ReferralQueries,
  ) {}

  private cmd(type: CommandName, payload: object, actor: Actor, req: Request, res: Response, created = false) {
    return this.commands.run(type, payload, actor, req, res, { created });
  }

  @Post() @ApiOperation({ summary: 'Draft a referral from the caller’s institution' })
  draft(@Body() dto: DraftReferralDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('DraftReferral', dto, a, req, res, { created: true, urgency: dto.urgency });
  }

  @Post('surge') @HttpCode(200) @ApiOperation({ summary: 'Submit a batch of referrals (surge): beds allocated district-wide, EMERGENCY first, never one bed twice' })
  surge(@Body() dto: SurgeDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('SubmitSurge', dto, a, req, res, { urgency: dto.referrals.some((r) => r.urgency === 'EMERGENCY') ? 'EMERGENCY' : 'URGENT' });
  }

  @Get() @ApiOperation({ summary: 'Referrals the caller is involved in (district roles: the district)' })
  list(@Query() q: ListReferralsQuery, @CurrentActor() a: Actor) {
    return this.queries.list(a, q);
  }

  @Get(':id') @ApiOperation({ summary: 'A referral with its offers, reservations and state history' })
  get(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    return this.queries.get(a, id);
  }

  @Get(':id/audit') @ApiOperation({ summary: 'The referral’s audit trail; ?verify=true recomputes its hash chain' })
  audit(@Param('id', uuid) id: string, @Query('verify') verify: string | undefined, @CurrentActor() a: Actor) {
    return this.queries.trail(a, id, verify === 'true' || verify === '1');
  }

  @Post(':id/submit') @HttpCode(200)
  submit(@Param('id', uuid) id: string, @Body() dto: SubmitReferralDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('SubmitReferral', { referralId: id, ...dto }, a, req, res);
  }

  @Post(':id/offers') @ApiOperation({ summary: 'Extend an offer to a target institution' })
  extend(@Param('id', uuid) id: string, @Body() dto: ExtendOfferDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('ExtendOffer', { referralId: id, ...dto }, a, req, res, true);
  }

  @Post(':id/offers/:offerId/view') @HttpCode(200) @ApiOperation({ summary: 'Record that the receiver opened the offer (first time only)' })
  view(@Param('id', uuid) id: string, @Param('offerId', uuid) offerId: string, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('ViewOffer', { referralId: id, offerId }, a, req, res);
  }

  @Post(':id/offers/:offerId/accept') @HttpCode(200) @ApiOperation({ summary: 'Accept an offer and hold a bed' })
  accept(@Param('id', uuid) id: string, @Param('offerId', uuid) offerId: string, @Body() dto: AcceptOfferDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('AcceptOffer', { referralId: id, offerId, ...dto }, a, req, res);
  }

  @Post(':id/offers/:offerId/decline') @HttpCode(200) @ApiOperation({ summary: 'Decline an offer with a coded reason' })
  decline(@Param('id', uuid) id: string, @Param('offerId', uuid) offerId: string, @Body() dto: DeclineOfferDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('DeclineOffer', { referralId: id, offerId, ...dto }, a, req, res);
  }

  @Post(':id/revoke') @HttpCode(200) @ApiOperation({ summary: 'The accepting institution gives the bed back' })
  revoke(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('RevokeAcceptance', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/start-transfer') @HttpCode(200) @ApiOperation({ summary: 'Discharge from the origin; the patient is on the way' })
  startTransfer(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('StartTransfer', { referralId: id }, a, req, res);
  }

  @Post(':id/confirm-admission') @HttpCode(200) @ApiOperation({ summary: 'The patient arrived at the target' })
  admit(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('ConfirmAdmission', { referralId: id }, a, req, res);
  }

  @Post(':id/abort-transfer') @HttpCode(200)
  abort(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('AbortTransfer', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/cancel') @HttpCode(200)
  cancel(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('CancelReferral', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/escalate') @HttpCode(200)
  escalate(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('EscalateReferral', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/reroute') @HttpCode(200)
  reroute(@Param('id', uuid) id: string, @Body() dto: RerouteDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('RerouteReferral', { referralId: id, ...dto }, a, req, res);
  }

  @Post(':id/close') @HttpCode(200)
  close(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('CloseReferral', { referralId: id, reason: dto.reason }, a, req, res);
  }
}
