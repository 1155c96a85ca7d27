import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { Request, Response } from 'express';
import { Actor, DISTRICT_ROLES, DomainError } from '@bedlink/domain';
import { POLICY, Policy } from '@bedlink/application';
import { UpdateAssessmentDto } from '@bedlink/contracts';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';

/** District policy documents and care-needs assessments. */
@ApiTags('policy')
@ApiBearerAuth()
@Controller()
export class PolicyController {
  constructor(
    private readonly commands: CommandRunner,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}

  @Get('districts/:id/policy')
  @ApiOperation({ summary: 'The district policy in force (deadlines, holds, eligibility, calendar)' })
  @ApiOkResponse({ description: 'the policy document' })
  @ApiErrors(...READ_ERRORS)
  async get(@Param('id') id: string, @CurrentActor() a: Actor) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(id)) throw new DomainError('VALIDATION_FAILED', 'not a district id');
    if (a.districtId && a.districtId !== id && DISTRICT_ROLES.includes(a.role)) throw new DomainError('FORBIDDEN', 'another district’s policy');
    return this.policy.forDistrict(id);
  }

  @Put('districts/:id/policy')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the district policy (district coordinator; validated, audited)' })
  @ApiBody({ description: 'a district policy document (config/policy.schema.json)', schema: { type: 'object' } })
  @ApiCommand()
  put(
    @Param('id') id: string,
    @Body() document: Record<string, unknown>,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(id)) throw new DomainError('VALIDATION_FAILED', 'not a district id');
    const reason = req.header('x-change-reason') ?? undefined;
    return this.commands.run('SetDistrictPolicy', { districtId: id, document, reason }, a, req, res);
  }

  @Post('patients/:id/assessment')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a new care needs assessment (AssessmentUpdated); open referrals carry the new grade' })
  @ApiCommand()
  assess(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateAssessmentDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.commands.run('UpdatePatientAssessment', { patientId: id, ...dto }, a, req, res);
  }
}
