import { KeyObject } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { Actor, authorize, DISTRICT_ROLES, DomainError, notFound } from '@bedlink/domain';
import { AuditVerification, BedBoardRow, BedQuery, BedView, ChangeBedStatusDto, InstitutionView, PatientLookupQuery, PatientReadQuery, PatientView, RegisterBedDto, RegisterInstitutionDto, RegisterPatientDto } from '@bedlink/contracts';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { PatientRecords } from '@bedlink/application';
import { BedBoardEntity, BedEntity, InstitutionEntity, verifyAudit } from '@bedlink/persistence';
import { auditKeys, ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';

const uuid = new ParseUUIDPipe();

/** Institutions, beds and patients: registered through commands, read from tables. */
@ApiTags('registry')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried command execute once (writes only)' })
@Controller()
export class RegistryController {
  constructor(
    private readonly commands: CommandRunner,
    private readonly ds: DataSource,
    private readonly patients: PatientRecords,
    @Inject(ENV_CONFIG) cfg: EnvConfig,
  ) {
    this.auditVerifyKey = auditKeys(cfg).verifyKey;
  }

  private readonly auditVerifyKey: KeyObject;

  @Post('institutions') @ApiOperation({ summary: 'Register an institution (district coordinator)' }) @ApiCommand(true)
  registerInstitution(@Body() dto: RegisterInstitutionDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterInstitution', dto, a, req, res, { created: true });
  }

  @Get('institutions') @ApiOperation({ summary: 'Institutions of the district' }) @ApiQuery({ name: 'districtId', required: false }) @ApiOkResponse({ type: [InstitutionView] }) @ApiErrors(...READ_ERRORS)
  async institutions(@CurrentActor() a: Actor, @Query('districtId') districtId?: string) {
    authorize(a, 'ReadRegistry', {});
    const rows = await this.ds.getRepository(InstitutionEntity).find({ where: districtId ? { districtId } : {}, order: { name: 'ASC' } });
    return rows.map((i) => ({ id: i.id, code: i.code, name: i.name, type: i.type, districtId: i.districtId, address: i.address, lat: i.lat, lng: i.lng, services: i.services }));
  }

  @Get('institutions/:id') @ApiOperation({ summary: 'An institution' }) @ApiParam({ name: 'id', format: 'uuid' }) @ApiOkResponse({ type: InstitutionView }) @ApiErrors(...READ_ERRORS)
  async institution(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    authorize(a, 'ReadRegistry', {});
    const i = await this.ds.getRepository(InstitutionEntity).findOne({ where: { id } });
    if (!i) throw notFound('INSTITUTION_NOT_FOUND', 'institution', id);
    return { id: i.id, code: i.code, name: i.name, type: i.type, districtId: i.districtId, address: i.address, lat: i.lat, lng: i.lng, services: i.services };
  }

  @Post('beds') @ApiOperation({ summary: 'Register a physical bed of the caller’s institution' }) @ApiCommand(true)
  registerBed(@Body() dto: RegisterBedDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterBed', dto, a, req, res, { created: true });
  }

  @Get('beds') @ApiOperation({ summary: 'Beds, filtered by institution, kind and status' }) @ApiOkResponse({ type: [BedView] }) @ApiErrors(...READ_ERRORS)
  async beds(@Query() q: BedQuery, @CurrentActor() a: Actor) {
    authorize(a, 'ReadRegistry', {});
    const where: Record<string, unknown> = {};
    if (q.institutionId) where.institutionId = q.institutionId;
    if (q.kind) where.kind = q.kind;
    if (q.status) where.status = q.status;
    const rows = await this.ds.getRepository(BedEntity).find({ where, order: { ward: 'ASC', label: 'ASC' }, take: q.limit ?? 200 });
    const held = rows.length ? await this.ds.query(`SELECT bed_id FROM reservations WHERE state = 'HELD' AND bed_id = ANY($1::uuid[])`, [rows.map((b) => b.id)]) : [];
    const heldIds = new Set(held.map((h: { bed_id: string }) => h.bed_id));
    // Occupancy is shown, the occupant only to the bed's own institution.
    return rows.map((b) => ({
      id: b.id, institutionId: b.institutionId, districtId: b.districtId, kind: b.kind, ward: b.ward, label: b.label, status: b.status, reserved: heldIds.has(b.id),
      services: b.services, sexRestriction: b.sexRestriction, minCareLevel: b.minCareLevel, maxCareLevel: b.maxCareLevel, isolationCapable: b.isolationCapable, version: b.version,
      ...(a.institutionId === b.institutionId ? { occupantPatientId: b.occupantPatientId } : {}),
    }));
  }

  @Post('beds/:id/status') @HttpCode(200) @ApiOperation({ summary: 'Clean, close, reopen, isolate… a bed (HL7 v2 0116 transitions)' }) @ApiParam({ name: 'id', format: 'uuid' }) @ApiCommand()
  changeStatus(@Param('id', uuid) id: string, @Body() dto: ChangeBedStatusDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('ChangeBedStatus', { bedId: id, ...dto }, a, req, res);
  }

  @Get('bed-board') @ApiOperation({ summary: 'Capacity by institution × bed kind (projection kept from events)' }) @ApiQuery({ name: 'districtId', required: false }) @ApiOkResponse({ type: [BedBoardRow] }) @ApiErrors(...READ_ERRORS)
  async bedBoard(@CurrentActor() a: Actor, @Query('districtId') districtId?: string) {
    authorize(a, 'ReadBedBoard', {});
    const rows = await this.ds.getRepository(BedBoardEntity).find({ where: districtId ? { districtId } : {} });
    return rows.map(({ institutionId, districtId: d, kind, total, free, reserved, occupied, cleaning, closed, isolated, contaminated }) => ({ institutionId, districtId: d, kind, total, free, reserved, occupied, cleaning, closed, isolated, contaminated }));
  }

  @Post('patients') @ApiOperation({ summary: 'Register a patient (identifiers are encrypted at rest)' }) @ApiCommand(true)
  registerPatient(@Body() dto: RegisterPatientDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterPatient', dto, a, req, res, { created: true });
  }

  @Get('patients') @ApiOperation({ summary: 'Find a patient by resident ID (blind index); audited, needs X-Access-Reason or ?referralId=' }) @ApiOkResponse({ type: PatientView }) @ApiErrors(...READ_ERRORS)
  lookupPatient(@Query() q: PatientLookupQuery, @CurrentActor() a: Actor, @Req() req: Request) {
    return this.patients.lookup(a, q.residentId.trim().toUpperCase(), this.purpose(req, q.referralId));
  }

  @Get('patients/:id') @ApiOperation({ summary: 'A patient, to institutions with a referral for them; audited, needs X-Access-Reason or ?referralId=' }) @ApiParam({ name: 'id', format: 'uuid' }) @ApiOkResponse({ type: PatientView }) @ApiErrors(...READ_ERRORS)
  patient(@Param('id', uuid) id: string, @Query() q: PatientReadQuery, @CurrentActor() a: Actor, @Req() req: Request) {
    return this.patients.read(a, id, this.purpose(req, q.referralId));
  }

  private purpose(req: Request, referralId?: string) {
    return { reason: req.header('x-access-reason') ?? null, referralId: referralId ?? null, correlationId: (req as Request & { correlationId?: string }).correlationId };
  }

  @Get('audit/verify') @ApiOperation({ summary: 'Verify the audit trail (auditor): signed checkpoints, then the records after the last one' }) @ApiOkResponse({ type: AuditVerification }) @ApiErrors(...READ_ERRORS)
  async verify(@CurrentActor() a: Actor) {
    authorize(a, 'VerifyAudit', {});
    if (!DISTRICT_ROLES.includes(a.role)) throw new DomainError('FORBIDDEN', 'only auditors verify the trail');
    // A district's auditor verifies (and counts) its district's chains only.
    return verifyAudit(this.ds, { verifyKey: this.auditVerifyKey, ...(a.districtId ? { districtId: a.districtId } : {}) });
  }
}
