import {
  All,
  applyDecorators,
  Body,
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Inject,
  Injectable,
  NestInterceptor,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExcludeEndpoint, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor, DomainError } from '@bedlink/domain';
import { CurrentActor, Public } from '../http/auth';
import { FhirErrorFilter } from './fhir-error.filter';
import { CS, FHIR_JSON, Json } from './fhir-mappers';
import { FhirService } from './fhir.service';

@Injectable()
class FhirContentType implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    ctx.switchToHttp().getResponse<Response>().type(FHIR_JSON);
    return next.handle();
  }
}

type Query_ = Record<string, string | string[] | undefined>;

const resource = (name: string, description = `A FHIR R4 ${name}`) => ({
  status: 200,
  description,
  schema: { type: 'object', properties: { resourceType: { type: 'string', enum: [name] } }, additionalProperties: true },
});
const bundle = {
  status: 200,
  description: 'Bundle (searchset) with link self/next and total',
  schema: {
    type: 'object',
    properties: { resourceType: { type: 'string', enum: ['Bundle'] }, type: { type: 'string', enum: ['searchset'] } },
    additionalProperties: true,
  },
};
const outcome = (status: number, description: string) => ({
  status,
  description: `OperationOutcome: ${description}`,
  schema: { type: 'object', properties: { resourceType: { type: 'string', enum: ['OperationOutcome'] } }, additionalProperties: true },
});
const READ_OUTCOMES = [
  outcome(400, 'invalid search'),
  outcome(401, 'no or invalid bearer token'),
  outcome(403, 'role may not read this'),
  outcome(404, 'unknown or not visible'),
  outcome(500, 'unexpected'),
  outcome(503, 'Postgres unavailable'),
];
const WRITE_OUTCOMES = [
  ...READ_OUTCOMES,
  outcome(409, 'refused by state (INVALID_TRANSITION, VERSION_CONFLICT, BED_*)'),
  outcome(422, 'Idempotency-Key reused for a different request'),
];
const responses = (...rs: Array<Record<string, unknown>>) => rs.map((r) => ApiResponse(r as never));
const paging = [
  ApiQuery({ name: '_count', required: false, type: Number, description: 'Page size (default 20, max 200)' }),
  ApiQuery({ name: '_offset', required: false, type: Number, description: 'Page start; follow link[next]' }),
];

/**
 * FHIR R4 facade (application/fhir+json): Task = referral (offers are child Tasks partOf it),
 * ServiceRequest = what is asked, Location = bed, Organization = institution. Same bearer token,
 * same access scoping and the same command path as REST.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@ApiProduces(FHIR_JSON)
@UseFilters(FhirErrorFilter)
@UseInterceptors(FhirContentType)
@Controller('fhir')
export class FhirController {
  constructor(
    private readonly fhir: FhirService,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
  ) {}

  /** Absolute links (Bundle link, fullUrl, Location) from the configured PUBLIC_URL: the Host header is the client's to forge. */
  private get base(): string {
    return `${this.cfg.PUBLIC_URL}/fhir`;
  }

  @Public()
  @Get('metadata')
  @ApiOperation({ summary: 'CapabilityStatement of the facade' })
  @applyDecorators(...responses(resource('CapabilityStatement'), outcome(500, 'unexpected')))
  metadata(): Json {
    const sp = (name: string, type: string, documentation: string) => ({ name, type, documentation });
    const count = sp('_count', 'number', 'page size (max 200)');
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-11-23',
      publisher: 'Bedlink',
      kind: 'instance',
      software: { name: 'Bedlink', version: '0.1.0' },
      implementation: { description: 'Bedlink referral and bed-linkage engine, FHIR R4 facade', url: this.base },
      fhirVersion: '4.0.1',
      format: [FHIR_JSON, 'json'],
      patchFormat: ['application/json-patch+json'],
      rest: [
        {
          mode: 'server',
          security: { description: 'Bearer token (the same JWT as the REST API); access is scoped to the caller’s institution or district' },
          resource: [
            {
              type: 'Task',
              documentation: `A referral; its offers are child Tasks (partOf) owned by the target. businessStatus carries the engine state (${CS.referralState}).`,
              interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }, { code: 'update' }, { code: 'patch' }],
              versioning: 'versioned-update',
              searchParam: [
                sp('status', 'token', 'Task status'),
                sp('owner', 'reference', 'Organization holding the accepted or a live offer'),
                sp('requester', 'reference', 'Referring Organization'),
                sp('part-of', 'reference', 'The offers (child Tasks) of a referral Task'),
                sp('_lastUpdated', 'date', 'eq, gt, ge, lt, le'),
                count,
              ],
            },
            { type: 'ServiceRequest', interaction: [{ code: 'read' }] },
            {
              type: 'Location',
              documentation:
                'A bed: operationalStatus from HL7 v2 0116; a bed held for an accepted referral stays U and carries the bed-reservation extension until admission makes it O.',
              interaction: [{ code: 'read' }, { code: 'search-type' }],
              searchParam: [
                sp('organization', 'reference', 'Institution owning the bed'),
                sp('operational-status', 'token', `HL7 v2 0116 code (${CS.v2_0116})`),
                count,
              ],
            },
            { type: 'Organization', interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: [sp('name', 'string', 'Name starts with'), count] },
            {
              type: 'Patient',
              documentation:
                'The subject of a referral (Task.for). Every read is audited on the patient’s trail (X-Access-Reason says why); district roles see the resident ID masked.',
              interaction: [{ code: 'read' }],
            },
            {
              type: 'DocumentReference',
              documentation: 'A file attached to a referral (linked from the referral Task’s input); attachment.url is the audited download.',
              interaction: [{ code: 'read' }],
            },
            {
              type: 'Communication',
              documentation: `A message of the thread between a referral's origin and one target; category ${CS.messageKind} (MESSAGE, NEED_MORE_INFO).`,
              interaction: [{ code: 'read' }, { code: 'search-type' }],
              searchParam: [sp('part-of', 'reference', 'The referral Task whose threads to read')],
            },
          ],
        },
      ],
    };
  }

  @Get('Task')
  @ApiOperation({ summary: 'Search referral Tasks (or the offers of one with part-of)' })
  @ApiQuery({ name: 'status', required: false })
  @ApiQuery({ name: 'owner', required: false, description: 'Organization/{id}' })
  @ApiQuery({ name: 'requester', required: false, description: 'Organization/{id}' })
  @ApiQuery({ name: 'part-of', required: false, description: 'Task/{id}' })
  @ApiQuery({ name: '_lastUpdated', required: false, description: 'e.g. ge2026-11-01' })
  @applyDecorators(...paging, ...responses(bundle, ...READ_OUTCOMES))
  searchTasks(@Query() q: Query_, @CurrentActor() a: Actor) {
    return this.fhir.searchTasks(a, q, this.base);
  }

  @Get('Task/:id')
  @ApiOperation({ summary: 'A referral Task or an offer (child) Task' })
  @ApiParam({ name: 'id' })
  @applyDecorators(...responses(resource('Task'), ...READ_OUTCOMES))
  async readTask(@Param('id') id: string, @CurrentActor() a: Actor, @Res({ passthrough: true }) res: Response) {
    const t = await this.fhir.readTask(a, id);
    if (t.meta?.versionId) res.setHeader('ETag', `W/"${t.meta.versionId}"`);
    return t;
  }

  @Post('Task')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a referral from a Task with a contained (or referenced DRAFT) ServiceRequest; owner → an offer' })
  @ApiBody({ schema: { type: 'object', properties: { resourceType: { type: 'string', enum: ['Task'] } }, additionalProperties: true } })
  @applyDecorators(...responses({ ...resource('Task', 'The created referral Task'), status: 201 }, ...WRITE_OUTCOMES))
  async createTask(@Body() body: Json, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const t = await this.fhir.createTask(a, body, req);
    res.setHeader('Location', `${this.base}/Task/${t.id}/_history/${t.meta.versionId}`);
    res.setHeader('ETag', `W/"${t.meta.versionId}"`);
    return t;
  }

  @Put('Task/:id')
  @ApiOperation({ summary: 'Change Task.status: accepted / rejected by the owner, cancelled by the requester' })
  @ApiParam({ name: 'id' })
  @ApiBody({
    schema: { type: 'object', properties: { resourceType: { type: 'string', enum: ['Task'] }, status: { type: 'string' } }, additionalProperties: true },
  })
  @applyDecorators(...responses(resource('Task'), ...WRITE_OUTCOMES))
  updateTask(@Param('id') id: string, @Body() body: Json, @CurrentActor() a: Actor, @Req() req: Request) {
    return this.fhir.updateTask(a, id, body, req);
  }

  @Patch('Task/:id')
  @ApiOperation({ summary: 'JSON Patch (application/json-patch+json) of Task.status / statusReason / input' })
  @ApiParam({ name: 'id' })
  @ApiBody({
    schema: { type: 'array', items: { type: 'object', properties: { op: { type: 'string' }, path: { type: 'string' }, value: {} }, required: ['op', 'path'] } },
  })
  @applyDecorators(...responses(resource('Task'), ...WRITE_OUTCOMES))
  patchTask(@Param('id') id: string, @Body() body: unknown, @CurrentActor() a: Actor, @Req() req: Request) {
    return this.fhir.patchTask(a, id, body, req);
  }

  @Get('ServiceRequest/:id')
  @ApiOperation({ summary: 'What the referral asks for: bed kind, services, priority' })
  @ApiParam({ name: 'id' })
  @applyDecorators(...responses(resource('ServiceRequest'), ...READ_OUTCOMES))
  readServiceRequest(@Param('id') id: string, @CurrentActor() a: Actor) {
    return this.fhir.readServiceRequest(a, id);
  }

  @Get('Location')
  @ApiOperation({ summary: 'Search beds by organization and operational-status (HL7 v2 0116)' })
  @ApiQuery({ name: 'organization', required: false, description: 'Organization/{id}' })
  @ApiQuery({ name: 'operational-status', required: false, description: 'U, O, H, C, I, K' })
  @applyDecorators(...paging, ...responses(bundle, ...READ_OUTCOMES))
  searchLocations(@Query() q: Query_, @CurrentActor() a: Actor) {
    return this.fhir.searchLocations(a, q, this.base);
  }

  @Get('Location/:id')
  @ApiOperation({ summary: 'A bed' })
  @ApiParam({ name: 'id' })
  @applyDecorators(...responses(resource('Location'), ...READ_OUTCOMES))
  readLocation(@Param('id') id: string, @CurrentActor() a: Actor) {
    return this.fhir.readLocation(a, id);
  }

  @Get('Patient/:id')
  @ApiOperation({ summary: 'A patient (Task.for); audited like every record read, identifiers masked for district roles' })
  @ApiParam({ name: 'id' })
  @applyDecorators(...responses(resource('Patient'), ...READ_OUTCOMES))
  readPatient(@Param('id') id: string, @CurrentActor() a: Actor, @Req() req: Request) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new DomainError('PATIENT_NOT_FOUND', `patient ${id} does not exist`);
    return this.fhir.readPatient(a, id, req.header('x-access-reason') ?? null, (req as Request & { correlationId?: string }).correlationId);
  }

  @Get('Organization')
  @ApiOperation({ summary: 'Search institutions' })
  @ApiQuery({ name: 'name', required: false })
  @applyDecorators(...paging, ...responses(bundle, ...READ_OUTCOMES))
  searchOrganizations(@Query() q: Query_, @CurrentActor() a: Actor) {
    return this.fhir.searchOrganizations(a, q, this.base);
  }

  @Get('Organization/:id')
  @ApiOperation({ summary: 'An institution' })
  @ApiParam({ name: 'id' })
  @applyDecorators(...responses(resource('Organization'), ...READ_OUTCOMES))
  readOrganization(@Param('id') id: string, @CurrentActor() a: Actor) {
    return this.fhir.readOrganization(a, id);
  }

  @Get('DocumentReference/:id')
  @ApiOperation({ summary: 'A file of a referral (metadata; the bytes at attachment.url, an audited download)' })
  @ApiParam({ name: 'id' })
  @applyDecorators(...responses(resource('DocumentReference'), ...READ_OUTCOMES))
  readDocumentReference(@Param('id') id: string, @CurrentActor() a: Actor) {
    return this.fhir.readDocumentReference(a, id, this.cfg.PUBLIC_URL ?? '');
  }

  @Get('Communication')
  @ApiOperation({ summary: 'The messages of a referral (part-of=Task/{id}) the caller may read' })
  @ApiQuery({ name: 'part-of', required: true, description: 'Task/{referral id}' })
  @applyDecorators(...responses(bundle, ...READ_OUTCOMES))
  searchCommunications(@Query() q: Query_, @CurrentActor() a: Actor) {
    return this.fhir.searchCommunications(a, q, this.base);
  }

  @Get('Communication/:id')
  @ApiOperation({ summary: 'One message of a referral thread' })
  @ApiParam({ name: 'id' })
  @applyDecorators(...responses(resource('Communication'), ...READ_OUTCOMES))
  readCommunication(@Param('id') id: string, @CurrentActor() a: Actor) {
    return this.fhir.readCommunication(a, id);
  }

  /** Anything else under /fhir is an OperationOutcome too, not the REST error body. */
  @All('*path')
  @ApiExcludeEndpoint()
  unsupported(@Req() req: Request): never {
    throw new DomainError('NOT_FOUND', `${req.method} ${req.path} is not an interaction this FHIR server supports (see /fhir/metadata)`);
  }
}
