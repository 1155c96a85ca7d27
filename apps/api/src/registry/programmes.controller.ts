import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags, ApiOkResponse } from '@nestjs/swagger';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { Actor, authorize, DISTRICT_ROLES, isAllowed, notFound } from '@bedlink/domain';
import { ChangeProgrammeCapacityDto, RegisterAgreementDto, RegisterProgrammeDto } from '@bedlink/contracts';
import { findCandidates, journeyOf, needsOfReferral, patientInvolvement, rowToReferral } from '@bedlink/persistence';
import { Inject } from '@nestjs/common';
import { cooperationDefaultOf, POLICY, Policy } from '@bedlink/application';
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
    private readonly ds: DataSource,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}

  @Post('programmes') @ApiOperation({ summary: 'Register a home programme (HOME_SICKBED / HOME_CARE) with a declared capacity' }) @ApiCommand(true)
  register(@Body() dto: RegisterProgrammeDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterProgramme', dto, a, req, res, { created: true });
  }

  @Post('programmes/:id/capacity') @HttpCode(200) @ApiOperation({ summary: 'Change the declared capacity (never below the slots in use)' }) @ApiCommand()
  capacity(@Param('id', uuid) id: string, @Body() dto: ChangeProgrammeCapacityDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('ChangeProgrammeCapacity', { programmeId: id, ...dto }, a, req, res);
  }

  @Get('programmes') @ApiOperation({ summary: 'Home programmes with capacity, used and free' }) @ApiOkResponse({ description: 'the result' }) @ApiErrors(...READ_ERRORS)
  async programmes(@CurrentActor() a: Actor, @Query('institutionId') institutionId?: string, @Query('districtId') districtId?: string) {
    authorize(a, 'ReadRegistry', {});
    const rows: any[] = await this.ds.query(
      `SELECT p.*, (SELECT count(*) FROM reservations x WHERE x.programme_id = p.id AND x.state = 'HELD')::int AS reserved,
              (SELECT count(*) FROM enrolments e WHERE e.programme_id = p.id AND e.ended_at IS NULL)::int AS enrolled
         FROM home_programmes p WHERE ($1::uuid IS NULL OR p.institution_id = $1) AND ($2::text IS NULL OR p.district_id = $2) ORDER BY p.name`,
      [institutionId ?? null, districtId ?? null],
    );
    return rows.map((p) => ({
      id: p.id, institutionId: p.institution_id, districtId: p.district_id, kind: p.kind, name: p.name, capacity: p.capacity, reserved: p.reserved, enrolled: p.enrolled,
      used: p.reserved + p.enrolled, free: p.capacity - p.reserved - p.enrolled, areaCodes: p.area_codes, radiusKm: p.radius_km, services: p.services, minCareLevel: p.min_care_level, maxCareLevel: p.max_care_level, version: p.version,
    }));
  }

  @Post('agreements') @ApiOperation({ summary: 'Register a cooperation agreement: who may refer to whom (district coordinator)' }) @ApiCommand(true)
  agreement(@Body() dto: RegisterAgreementDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterAgreement', dto, a, req, res, { created: true });
  }

  @Get('agreements') @ApiOperation({ summary: 'Cooperation agreements, by referring or receiving institution' }) @ApiOkResponse({ description: 'the result' }) @ApiErrors(...READ_ERRORS)
  async agreements(@CurrentActor() a: Actor, @Query('institutionId') institutionId?: string) {
    authorize(a, 'ReadRegistry', {});
    const rows: any[] = await this.ds.query(`SELECT * FROM cooperation_agreements WHERE $1::uuid IS NULL OR from_institution_id = $1 OR to_institution_id = $1 ORDER BY created_at`, [institutionId ?? null]);
    return rows.map((r) => ({ id: r.id, districtId: r.district_id, fromInstitutionId: r.from_institution_id, toInstitutionId: r.to_institution_id, kinds: r.kinds, directions: r.directions }));
  }

  @Get('referrals/:id/candidates') @ApiOperation({ summary: 'Ranked places for a referral, with the score of every factor explained' }) @ApiOkResponse({ description: 'the result' }) @ApiErrors(...READ_ERRORS)
  async candidates(@Param('id', uuid) id: string, @CurrentActor() a: Actor, @Query('limit') limit?: string) {
    const rows = await this.ds.query(`SELECT * FROM referrals WHERE id = $1`, [id]);
    if (!rows.length) throw notFound('REFERRAL_NOT_FOUND', 'referral', id);
    const r = rowToReferral({ ...rows[0], offers: [], reservations: [] });
    try {
      authorize(a, 'ReadCandidates', { districtId: r.props.districtId, originInstitutionId: r.props.originInstitutionId });
    } catch {
      throw notFound('REFERRAL_NOT_FOUND', 'referral', id);
    }
    const n = Math.min(50, Math.max(1, Number(limit) || 10));
    const started = process.hrtime.bigint();
    const candidates = await findCandidates(this.ds, await needsOfReferral(this.ds, r, cooperationDefaultOf(await this.policy.forDistrict(r.props.districtId))), n);
    return { referralId: id, kind: r.props.requestedKind, tookMs: Number(process.hrtime.bigint() - started) / 1e6, candidates };
  }

  @Get('patients/:id/journey') @ApiOperation({ summary: 'The patient’s stays across the five beds, in order' }) @ApiOkResponse({ description: 'the result' }) @ApiErrors(...READ_ERRORS)
  async journey(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    const who = await patientInvolvement((sql, params) => this.ds.query(sql, params), id);
    if (!who.institutions.length) throw notFound('PATIENT_NOT_FOUND', 'patient', id);
    // Care relationships and live involvement only; district roles within the patient's district.
    if (!isAllowed(a, 'ReadJourney', { districtId: who.districtId, involved: who.institutions })) throw notFound('PATIENT_NOT_FOUND', 'patient', id);
    const stays = await journeyOf(this.ds.manager, id);
    // An institution that only registered a known resident ID sees its own stays, not where else the patient was.
    const mine = a.institutionId;
    if (mine && !DISTRICT_ROLES.includes(a.role) && !who.sharedRecord.includes(mine)) return { patientId: id, stays: stays.filter((s) => s.institutionId === mine).map((s) => ({ ...s, referralId: null })) };
    return { patientId: id, stays };
  }

  @Get('bed-board/programmes') @ApiOperation({ summary: 'Home programmes on the board: capacity, reserved, enrolled, free per programme' }) @ApiOkResponse({ description: 'the result' }) @ApiErrors(...READ_ERRORS)
  async programmeBoard(@CurrentActor() a: Actor, @Query('districtId') districtId?: string) {
    authorize(a, 'ReadBedBoard', {});
    const rows: any[] = await this.ds.query(`SELECT * FROM programme_board WHERE $1::text IS NULL OR district_id = $1 ORDER BY programme_id`, [districtId ?? null]);
    return rows.map((r) => ({ programmeId: r.programme_id, institutionId: r.institution_id, districtId: r.district_id, kind: r.kind, capacity: r.capacity, reserved: r.reserved, enrolled: r.enrolled, used: r.reserved + r.enrolled, free: r.capacity - r.reserved - r.enrolled }));
  }

  @Get('bed-board/districts') @ApiOperation({ summary: 'The board summed per district × kind (beds and home programmes)' }) @ApiOkResponse({ description: 'the result' }) @ApiErrors(...READ_ERRORS)
  async districtBoard(@CurrentActor() a: Actor) {
    authorize(a, 'ReadBedBoard', {});
    const rows: any[] = await this.ds.query(
      `SELECT district_id, kind, sum(total)::int AS total, sum(free)::int AS free, sum(reserved)::int AS reserved, sum(occupied)::int AS occupied, sum(cleaning)::int AS cleaning,
              sum(closed)::int AS closed, sum(isolated)::int AS isolated, sum(contaminated)::int AS contaminated
         FROM bed_board GROUP BY district_id, kind ORDER BY district_id, kind`,
    );
    return rows.map((r) => ({ districtId: r.district_id, kind: r.kind, total: r.total, free: r.free, reserved: r.reserved, occupied: r.occupied, cleaning: r.cleaning, closed: r.closed, isolated: r.isolated, contaminated: r.contaminated }));
  }
}
