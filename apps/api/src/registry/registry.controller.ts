import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Actor, DomainError } from '@bedlink/domain';
import {
  AuditVerification,
  BedBoardRow,
  BedQuery,
  BedView,
  ChangeBedStatusDto,
  MarkReserveBedDto,
  ReserveBedsDto,
  EndStayDto,
  ImportBedsDto,
  UpdateInstitutionDto,
  InstitutionView,
  PatientLookupQuery,
  PatientReadQuery,
  PatientSearchQuery,
  PatientView,
  RegisterBedDto,
  RegisterInstitutionDto,
  RegisterPatientDto,
} from '@bedlink/contracts';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { PatientRecords } from '@bedlink/application';
import { AuditReads, BedBoardReads, PatientSearchReads, RegistryReads } from '@bedlink/persistence';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';
import { validationPipe } from '../http/validation';
import { importFromBundle, importFromCsv } from './bed-import';

const uuid = new ParseUUIDPipe();
/** CSV and FHIR bodies become an ImportBedsDto after the global pipe ran (on `unknown`): validated here, the same way. */
const IMPORT_PIPE = validationPipe();

/** Institutions, beds and patients: registered through commands, read from tables. */
@ApiTags('registry')
@ApiBearerAuth()
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried command execute once (writes only)' })
@Controller()
export class RegistryController {
  constructor(
    private readonly commands: CommandRunner,
    private readonly registry: RegistryReads,
    private readonly board: BedBoardReads,
    private readonly audit: AuditReads,
    private readonly patients: PatientRecords,
    private readonly search: PatientSearchReads,
  ) {}

  @Post('institutions')
  @ApiOperation({ summary: 'Register an institution (district coordinator)' })
  @ApiCommand(true)
  registerInstitution(@Body() dto: RegisterInstitutionDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterInstitution', dto, a, req, res, { created: true });
  }

  @Patch('institutions/:id')
  @ApiOperation({ summary: 'Change an institution’s name, address, coordinates, services or ownership (district coordinator; audited)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  updateInstitution(
    @Param('id', uuid) id: string,
    @Body() dto: UpdateInstitutionDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.commands.run('UpdateInstitution', { institutionId: id, ...dto }, a, req, res);
  }

  @Get('institutions')
  @ApiOperation({ summary: 'Institutions of the district' })
  @ApiQuery({ name: 'districtId', required: false })
  @ApiOkResponse({ type: [InstitutionView] })
  @ApiErrors(...READ_ERRORS)
  institutions(@CurrentActor() a: Actor, @Query('districtId') districtId?: string) {
    return this.registry.listInstitutions(a, districtId);
  }

  @Get('institutions/:id')
  @ApiOperation({ summary: 'An institution' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: InstitutionView })
  @ApiErrors(...READ_ERRORS)
  institution(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    return this.registry.institution(a, id);
  }

  @Post('beds')
  @ApiOperation({ summary: 'Register a physical bed of the caller’s institution' })
  @ApiCommand(true)
  registerBed(@Body() dto: RegisterBedDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterBed', dto, a, req, res, { created: true });
  }

  @Post('beds/import')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Import beds and home-programme capacities of one institution, all or nothing: JSON (ImportBedsDto), text/csv (?institutionId=) or a FHIR Bundle of bed Locations (application/fhir+json); ?dryRun=true reports what would change and changes nothing',
  })
  @ApiConsumes('application/json', 'text/csv', 'application/fhir+json')
  @ApiBody({ type: ImportBedsDto })
  @ApiQuery({ name: 'institutionId', required: false, description: 'the institution (CSV; optional for a Bundle, whose Locations name it)' })
  @ApiQuery({ name: 'dryRun', required: false, type: Boolean })
  @ApiCommand()
  async importBeds(
    @Body() body: unknown,
    @Query('institutionId') institutionId: string | undefined,
    @Query('dryRun') dryRun: string | undefined,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const dry = dryRun === undefined ? undefined : /^(true|1)$/i.test(dryRun);
    let plain: Record<string, unknown>;
    if (type === 'text/csv') {
      if (typeof body !== 'string') throw new DomainError('VALIDATION_FAILED', 'send the CSV as text/csv');
      plain = { institutionId, ...importFromCsv(body) };
    } else if (body && typeof body === 'object' && (body as { resourceType?: unknown }).resourceType !== undefined) {
      const b = importFromBundle(body);
      if (institutionId && b.institutionId && institutionId.toLowerCase() !== b.institutionId)
        throw new DomainError('VALIDATION_FAILED', "institutionId and the Locations' managingOrganization disagree");
      plain = { institutionId: institutionId ?? b.institutionId, beds: b.beds };
    } else if (body && typeof body === 'object') plain = { ...(body as object), ...(institutionId ? { institutionId } : {}) };
    else throw new DomainError('VALIDATION_FAILED', 'send JSON, text/csv or a FHIR Bundle of Locations');
    if (dry !== undefined) plain.dryRun = dry;
    const dto = (await IMPORT_PIPE.transform(plain, { type: 'body', metatype: ImportBedsDto })) as ImportBedsDto;
    return this.commands.run('ImportBeds', dto, a, req, res);
  }

  @Get('beds')
  @ApiOperation({ summary: 'Beds, filtered by institution, kind and status' })
  @ApiOkResponse({ type: [BedView] })
  @ApiErrors(...READ_ERRORS)
  beds(@Query() q: BedQuery, @CurrentActor() a: Actor) {
    return this.registry.listBeds(a, q);
  }

  @Post('beds/:id/status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Clean, close, reopen, isolate… a bed (HL7 v2 0116 transitions)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  changeStatus(
    @Param('id', uuid) id: string,
    @Body() dto: ChangeBedStatusDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.commands.run('ChangeBedStatus', { bedId: id, ...dto }, a, req, res);
  }

  @Post('beds/:id/reserve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark its own bed as reserve (surge) capacity, out of matching until the district opens it, or take it back' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  markReserve(
    @Param('id', uuid) id: string,
    @Body() dto: MarkReserveBedDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.commands.run('MarkReserveBed', { bedId: id, ...dto }, a, req, res);
  }

  @Post('reserve-beds/open')
  @HttpCode(200)
  @ApiOperation({ summary: 'District coordinator: open reserve beds of the district to matching (all or none, audited)' })
  @ApiCommand()
  openReserve(@Body() dto: ReserveBedsDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('OpenReserveBeds', { ...dto, open: true }, a, req, res);
  }

  @Post('reserve-beds/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'District coordinator: close opened reserve beds again (occupants stay; the beds are offered no more)' })
  @ApiCommand()
  closeReserve(@Body() dto: ReserveBedsDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('OpenReserveBeds', { ...dto, open: false }, a, req, res);
  }

  @Post('patients/:id/stay/end')
  @HttpCode(200)
  @ApiOperation({ summary: 'End a stay without a referral (discharged home, deceased, …), by the institution holding it: bed → H or home slot freed' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the patient' })
  @ApiCommand()
  endStay(@Param('id', uuid) id: string, @Body() dto: EndStayDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('EndStay', { patientId: id, ...dto }, a, req, res);
  }

  @Get('bed-board')
  @ApiOperation({ summary: 'Capacity by institution × bed kind (projection kept from events)' })
  @ApiQuery({ name: 'districtId', required: false })
  @ApiOkResponse({ type: [BedBoardRow] })
  @ApiErrors(...READ_ERRORS)
  bedBoard(@CurrentActor() a: Actor, @Query('districtId') districtId?: string) {
    return this.board.bedBoard(a, districtId);
  }

  @Post('patients')
  @ApiOperation({ summary: 'Register a patient (identifiers are encrypted at rest)' })
  @ApiCommand(true)
  registerPatient(@Body() dto: RegisterPatientDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('RegisterPatient', dto, a, req, res, { created: true });
  }

  @Get('patients')
  @ApiOperation({ summary: 'Find a patient by resident ID (blind index); audited, needs X-Access-Reason (or ?reason=) or ?referralId=' })
  @ApiOkResponse({ type: PatientView })
  @ApiErrors(...READ_ERRORS)
  lookupPatient(@Query() q: PatientLookupQuery, @CurrentActor() a: Actor, @Req() req: Request) {
    return this.patients.lookup(a, q.residentId.trim().toUpperCase(), this.purpose(req, q.referralId, q.reason));
  }

  @Get('patients/search')
  @ApiOperation({
    summary:
      'Find the caller’s institution’s own patients by name (at most 20, as each may see them); every match is an audited read: needs X-Access-Reason or ?reason=',
  })
  @ApiOkResponse({ type: [PatientView] })
  @ApiErrors(...READ_ERRORS)
  async searchPatients(@Query() q: PatientSearchQuery, @CurrentActor() a: Actor, @Req() req: Request) {
    const purpose = this.purpose(req, undefined, q.reason);
    // asked before anything is decrypted, also when nothing would match
    if (!(purpose.reason ?? '').trim()) throw new DomainError('VALIDATION_FAILED', 'say why you open these records: X-Access-Reason header or ?reason=');
    const ids = await this.search.idsByName(a, q.name);
    const found = [];
    // one audited read per match, in the order found; a record that turned foreign meanwhile is left out
    for (const id of ids) {
      try {
        found.push(await this.patients.read(a, id, purpose));
      } catch (e) {
        if (!(e instanceof DomainError && e.code === 'PATIENT_NOT_FOUND')) throw e;
      }
    }
    return found;
  }

  @Get('patients/:id')
  @ApiOperation({ summary: 'A patient, to institutions with a referral for them; audited, needs X-Access-Reason (or ?reason=) or ?referralId=' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PatientView })
  @ApiErrors(...READ_ERRORS)
  patient(@Param('id', uuid) id: string, @Query() q: PatientReadQuery, @CurrentActor() a: Actor, @Req() req: Request) {
    return this.patients.read(a, id, this.purpose(req, q.referralId, q.reason));
  }

  private purpose(req: Request, referralId?: string, reason?: string) {
    return {
      reason: req.header('x-access-reason') ?? reason ?? null,
      referralId: referralId ?? null,
      correlationId: (req as Request & { correlationId?: string }).correlationId,
    };
  }

  @Get('audit/verify')
  @ApiOperation({ summary: 'Verify the audit trail (auditor): signed checkpoints, then the records after the last one' })
  @ApiOkResponse({ type: AuditVerification })
  @ApiErrors(...READ_ERRORS)
  verify(@CurrentActor() a: Actor) {
    return this.audit.verify(a);
  }
}
