import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags, ApiOkResponse } from '@nestjs/swagger';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { Request, Response } from 'express';
import { Actor } from '@bedlink/domain';
import { ChangeProgrammeCapacityDto, RegisterAgreementDto, RegisterProgrammeDto } from '@bedlink/contracts';
import { BedBoardReads, CandidateReads, JourneyReads, ProgrammeReads, RegistryReads } from '@bedlink/persistence';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';

const uuid = new ParseUUIDPipe();

/** Home programmes, cooperation agreements, matching candidates, patient journeys, programme board. */
@ApiTags('registry')
@ApiBearerAuth()
@Controller()
export class ProgrammesController {
  constructor(
    private readonly commands: CommandRunner,
    private readonly programmeReads: ProgrammeReads,
    private readonly registry: RegistryReads,
    private readonly candidateReads: CandidateReads,
    private readonly journeys: JourneyReads,
    private readonly board: BedBoardReads,
  ) {}

  @Post('programmes')
  @ApiOperation({ summary: 'Register a home programme (HOME_SICKBED / HOME_CARE) with a declared capacity' })
  @ApiCommand(true)
  register(@Body() dto: RegisterProgrammeDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterProgramme', dto, a, req, res, { created: true });
  }

  @Post('programmes/:id/capacity')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the declared capacity (never below the slots in use)' })
  @ApiCommand()
  capacity(
    @Param('id', uuid) id: string,
    @Body() dto: ChangeProgrammeCapacityDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.commands.run('ChangeProgrammeCapacity', { programmeId: id, ...dto }, a, req, res);
  }

  @Get('programmes')
  @ApiOperation({ summary: 'Home programmes with capacity, used and free' })
  @ApiOkResponse({ description: 'the result' })
  @ApiErrors(...READ_ERRORS)
  programmes(@CurrentActor() a: Actor, @Query('institutionId') institutionId?: string, @Query('districtId') districtId?: string) {
    return this.programmeReads.listProgrammes(a, { institutionId, districtId });
  }

  @Get('programmes/:id/enrolments')
  @ApiOperation({ summary: 'Who is on the home programme (patient ids and dates; its own institution and district); ?ended=true adds the last 30 days' })
  @ApiOkResponse({ description: 'enrolments, active first' })
  @ApiErrors(...READ_ERRORS)
  enrolments(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Query('ended') ended?: string) {
    return this.programmeReads.enrolments(a, id, { ended: ended === 'true' || ended === '1' });
  }

  @Post('agreements')
  @ApiOperation({ summary: 'Register a cooperation agreement: who may refer to whom (district coordinator)' })
  @ApiCommand(true)
  agreement(@Body() dto: RegisterAgreementDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterAgreement', dto, a, req, res, { created: true });
  }

  @Get('agreements')
  @ApiOperation({ summary: 'Cooperation agreements, by referring or receiving institution' })
  @ApiOkResponse({ description: 'the result' })
  @ApiErrors(...READ_ERRORS)
  agreements(@CurrentActor() a: Actor, @Query('institutionId') institutionId?: string) {
    return this.registry.listAgreements(a, institutionId);
  }

  @Get('referrals/:id/candidates')
  @ApiOperation({ summary: 'Ranked places for a referral, with the score of every factor explained' })
  @ApiOkResponse({ description: 'the result' })
  @ApiErrors(...READ_ERRORS)
  candidates(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Query('limit') limit?: string) {
    return this.candidateReads.candidates(a, id, Math.min(50, Math.max(1, Number(limit) || 10)));
  }

  @Get('patients/:id/journey')
  @ApiOperation({ summary: 'The patient’s stays across the five beds, in order' })
  @ApiOkResponse({ description: 'the result' })
  @ApiErrors(...READ_ERRORS)
  journey(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    return this.journeys.journey(a, id);
  }

  @Get('bed-board/programmes')
  @ApiOperation({ summary: 'Home programmes on the board: capacity, reserved, enrolled, free per programme' })
  @ApiOkResponse({ description: 'the result' })
  @ApiErrors(...READ_ERRORS)
  programmeBoard(@CurrentActor() a: Actor, @Query('districtId') districtId?: string) {
    return this.board.programmeBoard(a, districtId);
  }

  @Get('bed-board/districts')
  @ApiOperation({ summary: 'The board summed per district × kind (beds and home programmes)' })
  @ApiOkResponse({ description: 'the result' })
  @ApiErrors(...READ_ERRORS)
  districtBoard(@CurrentActor() a: Actor) {
    return this.board.districtBoard(a);
  }
}
