import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Actor, CommandName } from '@bedlink/domain';
import {
  AcceptOfferDto,
  ArrangeTransportDto,
  FamilyRefusalDto,
  RecordPreferencesDto,
  WaitlistDto,
  AuditTrail,
  DeclineOfferDto,
  DraftReferralDto,
  ExtendOfferDto,
  ListReferralsQuery,
  ReasonDto,
  ReferralDetail,
  ReferralView,
  RerouteDto,
  SubmitReferralDto,
  SurgeDto,
} from '@bedlink/contracts';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { CurrentActor } from '../http/auth';
import { ReferralReads } from '@bedlink/persistence';
import { CommandRunner } from '../http/command-runner';

const uuid = new ParseUUIDPipe();

/**
 * The referral lifecycle over HTTP. Every write is a command on the BullMQ `commands` queue
 * (send an Idempotency-Key to make retries safe; `Prefer: respond-async` for 202).
 */
@ApiTags('referrals')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried command execute once (writes only)' })
@ApiHeader({ name: 'Prefer', required: false, description: 'respond-async: answer 202 at once (writes only)' })
@Controller('referrals')
export class ReferralsController {
  constructor(
    private readonly commands: CommandRunner,
    private readonly queries: ReferralReads,
  ) {}

  private cmd(type: CommandName, payload: object, actor: Actor, req: Request, res: Response, created = false) {
    return this.commands.run(type, payload, actor, req, res, { created });
  }

  @Post()
  @ApiOperation({ summary: 'Draft a referral from the caller’s institution' })
  @ApiCommand(true)
  draft(@Body() dto: DraftReferralDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('DraftReferral', dto, a, req, res, { created: true, urgency: dto.urgency });
  }

  @Post('surge')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Submit a batch of referrals (surge): beds allocated district-wide, EMERGENCY first, never one bed twice; dryRun answers the plan beside first-come greedy’s and creates nothing',
  })
  @ApiCommand()
  surge(@Body() dto: SurgeDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('SubmitSurge', dto, a, req, res, { urgency: dto.referrals.some((r) => r.urgency === 'EMERGENCY') ? 'EMERGENCY' : 'URGENT' });
  }

  @Get()
  @ApiOperation({ summary: 'Referrals the caller is involved in (district roles: the district)' })
  @ApiOkResponse({ type: [ReferralView] })
  @ApiErrors(...READ_ERRORS)
  list(@Query() q: ListReferralsQuery, @CurrentActor() a: Actor) {
    return this.queries.list(a, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A referral with its offers, reservations and state history' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ReferralDetail })
  @ApiErrors(...READ_ERRORS)
  get(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    return this.queries.get(a, id);
  }

  @Get(':id/audit')
  @ApiOperation({ summary: 'The referral’s audit trail; ?verify=true recomputes its hash chain' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'verify', required: false, enum: ['true', 'false', '1', '0'] })
  @ApiOkResponse({ type: AuditTrail })
  @ApiErrors(...READ_ERRORS)
  audit(@Param('id', uuid) id: string, @Query('verify') verify: string | undefined, @CurrentActor() a: Actor) {
    return this.queries.trail(a, id, verify === 'true' || verify === '1');
  }

  @Post(':id/submit')
  @HttpCode(200)
  @ApiOperation({ summary: 'Submit a draft (consent required); with ranked targets the engine offers by the strategy' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  submit(
    @Param('id', uuid) id: string,
    @Body() dto: SubmitReferralDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('SubmitReferral', { referralId: id, ...dto }, a, req, res);
  }

  @Post(':id/offers')
  @ApiOperation({ summary: 'Extend an offer to a target institution' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand(true)
  extend(@Param('id', uuid) id: string, @Body() dto: ExtendOfferDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('ExtendOffer', { referralId: id, ...dto }, a, req, res, true);
  }

  @Post(':id/offers/:offerId/view')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that the receiver opened the offer (first time only)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'offerId', format: 'uuid' })
  @ApiCommand()
  view(
    @Param('id', uuid) id: string,
    @Param('offerId', uuid) offerId: string,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('ViewOffer', { referralId: id, offerId }, a, req, res);
  }

  @Post(':id/offers/:offerId/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an offer and hold a bed' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'offerId', format: 'uuid' })
  @ApiCommand()
  accept(
    @Param('id', uuid) id: string,
    @Param('offerId', uuid) offerId: string,
    @Body() dto: AcceptOfferDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('AcceptOffer', { referralId: id, offerId, ...dto }, a, req, res);
  }

  @Post(':id/offers/:offerId/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline an offer with a coded reason' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'offerId', format: 'uuid' })
  @ApiCommand()
  decline(
    @Param('id', uuid) id: string,
    @Param('offerId', uuid) offerId: string,
    @Body() dto: DeclineOfferDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('DeclineOffer', { referralId: id, offerId, ...dto }, a, req, res);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'The accepting institution gives the bed back' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  revoke(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('RevokeAcceptance', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/start-transfer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Discharge from the origin; the patient is on the way' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  startTransfer(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('StartTransfer', { referralId: id }, a, req, res);
  }

  @Post(':id/confirm-admission')
  @HttpCode(200)
  @ApiOperation({ summary: 'The patient arrived at the target' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  admit(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('ConfirmAdmission', { referralId: id }, a, req, res);
  }

  @Post(':id/abort-transfer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Abort a transfer under way (the referral fails)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  abort(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('AbortTransfer', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'The origin cancels its referral' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  cancel(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('CancelReferral', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/escalate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Escalate to the district coordinator' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  escalate(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('EscalateReferral', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/reroute')
  @HttpCode(200)
  @ApiOperation({ summary: 'The coordinator offers an escalated referral to new targets' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  reroute(@Param('id', uuid) id: string, @Body() dto: RerouteDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('RerouteReferral', { referralId: id, ...dto }, a, req, res);
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'The coordinator closes an escalated referral (rejected)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  close(@Param('id', uuid) id: string, @Body() dto: ReasonDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.cmd('CloseReferral', { referralId: id, reason: dto.reason }, a, req, res);
  }

  @Post(':id/preferences')
  @HttpCode(200)
  @ApiOperation({ summary: "Record the patient's and family's choice (ranked, excluded, near whom, who said so); matching honours it" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  preferences(
    @Param('id', uuid) id: string,
    @Body() dto: RecordPreferencesDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('RecordPreferences', { referralId: id, ...dto }, a, req, res);
  }

  @Post(':id/offers/:offerId/family-refusal')
  @HttpCode(200)
  @ApiOperation({ summary: 'The patient or family refused the offered place: a decline by the patient (PATIENT_OR_FAMILY_DECLINED)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'offerId', format: 'uuid' })
  @ApiCommand()
  familyRefusal(
    @Param('id', uuid) id: string,
    @Param('offerId', uuid) offerId: string,
    @Body() dto: FamilyRefusalDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('RecordFamilyRefusal', { referralId: id, offerId, ...dto }, a, req, res);
  }

  @Post(':id/offers/:offerId/waitlist')
  @HttpCode(200)
  @ApiOperation({ summary: 'No suitable bed now: decline (NO_CAPACITY) and put the referral on the caller’s own waiting list' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'offerId', format: 'uuid' })
  @ApiCommand()
  waitlist(
    @Param('id', uuid) id: string,
    @Param('offerId', uuid) offerId: string,
    @Body() dto: WaitlistDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('WaitlistReferral', { referralId: id, offerId, ...dto }, a, req, res);
  }

  @Post(':id/transport')
  @HttpCode(200)
  @ApiOperation({ summary: 'Book the transport to the accepting institution (mode, pickup, expected arrival, escort)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  transport(
    @Param('id', uuid) id: string,
    @Body() dto: ArrangeTransportDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.cmd('ArrangeTransport', { referralId: id, ...dto }, a, req, res);
  }
}
