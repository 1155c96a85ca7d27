import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client } from './support/http';

jest.setTimeout(120_000);

/** Bulk bed and capacity import: CSV, a FHIR Bundle of Locations, JSON; all or nothing; dry run. */
describe('bed and capacity import', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let programmeId: string;
  const tag = Math.random().toString(36).slice(2, 7);

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `imp${tag}`);
    programmeId = (await ok(d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: '家庭病床', capacity: 4 }), 'programme'))
      .programmeId;
  });
  afterAll(async () => {
    await e?.close();
  });

  const bedsOf = async (institutionId: string) =>
    (await e.ds.query(`SELECT ward, label, kind, services, status FROM beds WHERE institution_id = $1 ORDER BY ward, label`, [institutionId])) as Array<{
      ward: string;
      label: string;
      kind: string;
      services: string[];
      status: string;
    }>;
  const counts = async () =>
    (
      await e.ds.query(
        `SELECT (SELECT count(*) FROM beds)::int AS beds, (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM outbox)::int AS outbox, (SELECT capacity FROM home_programmes WHERE id = $1) AS capacity`,
        [programmeId],
      )
    )[0];
  const csvPost = (c: ReturnType<typeof client>, query: string, csv: string) => c.raw('POST', `/beds/import?${query}`, csv, { 'content-type': 'text/csv' });

  it('CSV: a dry run reports the plan and changes nothing; the same file applied creates the beds and the capacity at once', async () => {
    const ward = `Rehab ${tag}`;
    const csv = [
      'ward,label,kind,services,isolationCapable,programmeId,capacity',
      `${ward},A-01,COMMUNITY,REHAB;HOSPICE,yes,,`,
      `${ward},A-02,COMMUNITY,REHAB,,,`,
      `Rehab 2,2-01,COMMUNITY,REHAB,,,`, // already there, the same: left alone
      `,,,,,${programmeId},9`,
    ].join('\n');
    const before = await counts();
    const dry = await csvPost(d.cc1c, `institutionId=${d.cc1}&dryRun=true`, csv);
    expect([dry.status, dry.body?.message]).toEqual([200, undefined]);
    expect(dry.body).toMatchObject({
      dryRun: true,
      applied: false,
      beds: {
        create: [
          { row: 1, ward, label: 'A-01', kind: 'COMMUNITY' },
          { row: 2, ward, label: 'A-02', kind: 'COMMUNITY' },
        ],
        unchanged: [{ row: 3, ward: 'Rehab 2', label: '2-01' }],
      },
      capacities: [{ programmeId, from: 4, to: 9, used: 0 }],
    });
    const afterDry = await counts();
    expect({ beds: afterDry.beds, audit: afterDry.audit, outbox: afterDry.outbox, capacity: afterDry.capacity }).toEqual({
      beds: before.beds,
      audit: before.audit,
      outbox: before.outbox,
      capacity: before.capacity,
    });

    const applied = await csvPost(d.cc1c, `institutionId=${d.cc1}`, csv);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ applied: true, capacities: [{ from: 4, to: 9 }] });
    const after = await counts();
    expect(after.beds).toBe(before.beds + 2);
    expect(after.capacity).toBe(9);
    // audited like RegisterBed: one record and one outbox row per bed, one for the capacity
    expect(after.audit - before.audit).toBe(3);
    expect(after.outbox - before.outbox).toBe(3);
    const mine = (await bedsOf(d.cc1)).filter((b) => b.ward === ward);
    expect(mine).toEqual([
      { ward, label: 'A-01', kind: 'COMMUNITY', services: ['REHAB', 'HOSPICE'], status: 'U' },
      { ward, label: 'A-02', kind: 'COMMUNITY', services: ['REHAB'], status: 'U' },
    ]);
    // the same file again: every bed unchanged, nothing recorded
    const again = await csvPost(d.cc1c, `institutionId=${d.cc1}`, csv);
    expect(again.body.beds.create).toEqual([]);
    expect((await counts()).audit).toBe(after.audit);
  });

  it('all or nothing: one bad row anywhere refuses the whole file, naming the row', async () => {
    const before = await counts();
    const bad = [
      ['ward,label,kind', `X${tag},1,COMMUNITY`, `X${tag},2,HOSPITAL`].join('\n'), // a kind a community centre does not hold
      ['ward,label,kind,services', `Y${tag},1,COMMUNITY,REHAB`, `Rehab 2,2-01,COMMUNITY,DIALYSIS`].join('\n'), // an existing bed said otherwise
      ['ward,label,kind', `Z${tag},1,COMMUNITY`, `Z${tag},1,COMMUNITY`].join('\n'), // the same bed twice
      ['ward,label,kind,colour', `Q${tag},1,COMMUNITY,red`].join('\n'), // unknown column
      ['ward,label,kind,minCareLevel', `Q${tag},1,COMMUNITY,nine`].join('\n'), // not a number
      ['ward,label,kind', `"unclosed,1,COMMUNITY`].join('\n'), // broken quoting
    ];
    const answers = [];
    for (const csv of bad) {
      const r = await csvPost(d.cc1c, `institutionId=${d.cc1}`, csv);
      answers.push({ status: r.status, code: r.body?.code, row: /row \d|line \d|twice|columns|cannot be read|minCareLevel/.test(r.body?.message ?? '') });
    }
    expect(answers).toEqual([
      { status: 409, code: 'BED_KIND_MISMATCH', row: true },
      { status: 409, code: 'ALREADY_EXISTS', row: true },
      { status: 400, code: 'VALIDATION_FAILED', row: true },
      { status: 400, code: 'VALIDATION_FAILED', row: true },
      { status: 400, code: 'VALIDATION_FAILED', row: true },
      { status: 400, code: 'VALIDATION_FAILED', row: true },
    ]);
    const after = await counts();
    expect({ beds: after.beds, audit: after.audit }).toEqual({ beds: before.beds, audit: before.audit });
  });

  it('FHIR: the Locations GET /fhir/Location gives out import elsewhere; a Bundle of new Locations creates beds', async () => {
    const exported = await ok(d.planner.get(`/fhir/Location?organization=Organization/${d.hospital}`), 'export');
    expect(exported.entry.length).toBeGreaterThan(0);
    // into the same institution: every bed is there already, nothing would change
    const same = await ok(d.planner.raw('POST', '/beds/import?dryRun=true', exported, { 'content-type': 'application/fhir+json' }), 'same');
    expect(same.beds.create).toEqual([]);
    expect(same.beds.unchanged.length).toBe(exported.entry.length);

    const loc = (label: string, ward = `ICU ${tag}`) => ({
      resource: {
        resourceType: 'Location',
        identifier: [{ value: label }],
        partOf: { display: ward },
        physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bd' }] },
        type: [{ coding: [{ system: 'https://bedlink.dev/fhir/CodeSystem/bed-kind', code: 'HOSPITAL' }] }],
        managingOrganization: { reference: `Organization/${d.hospital}` },
      },
      request: { method: 'POST', url: 'Location' },
    });
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [loc('I-1'), loc('I-2'), loc('I-3')] };
    const r = await ok(d.planner.raw('POST', '/beds/import', bundle, { 'content-type': 'application/fhir+json' }), 'bundle');
    expect(r.beds.create.map((c: { label: string }) => c.label)).toEqual(['I-1', 'I-2', 'I-3']);
    expect((await bedsOf(d.hospital)).filter((b) => b.ward === `ICU ${tag}`)).toHaveLength(3);

    // a Bundle naming another institution's Locations, or not Locations, or two institutions
    const foreign = {
      ...bundle,
      entry: [loc('F-1')].map((x) => ({ ...x, resource: { ...x.resource, managingOrganization: { reference: `Organization/${d.cc1}` } } })),
    };
    expect((await d.planner.raw('POST', '/beds/import', foreign, { 'content-type': 'application/fhir+json' })).status).toBe(403);
    const notLoc = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] };
    expect((await d.planner.raw('POST', '/beds/import', notLoc, { 'content-type': 'application/fhir+json' })).body.code).toBe('VALIDATION_FAILED');
    const mixed = { ...bundle, entry: [loc('M-1'), foreign.entry[0]] };
    expect((await d.planner.raw('POST', '/beds/import', mixed, { 'content-type': 'application/fhir+json' })).body.code).toBe('VALIDATION_FAILED');
  });

  it('authorised like bed registration: another institution, the district, another district are refused', async () => {
    const csv = ['ward,label,kind', `P${tag},1,COMMUNITY`].join('\n');
    const other = await smallDistrict(e, `oth${tag}`);
    const before = await counts();
    const tries = await Promise.all([
      csvPost(d.cc2c, `institutionId=${d.cc1}`, csv),
      csvPost(d.dc, `institutionId=${d.cc1}`, csv),
      csvPost(other.cc1c, `institutionId=${d.cc1}`, csv),
      csvPost(client(e.baseUrl), `institutionId=${d.cc1}`, csv),
    ]);
    expect(tries.map((t) => t.status)).toEqual([403, 403, 403, 401]);
    expect((await counts()).beds).toBe(before.beds);
  });

  it('two imports of the same new beds at the same moment: the beds exist once', async () => {
    const ward = `Twin ${tag}`;
    const body = { institutionId: d.care, beds: [1, 2, 3, 4].map((i) => ({ ward, label: `T-${i}`, kind: 'CARE_HOME', services: ['NURSING'] })) };
    const [a, b] = await Promise.all([d.carec.post('/beds/import', body), d.carec.post('/beds/import', body)]);
    expect([a.status, b.status, a.body.message, b.body.message]).toEqual([200, 200, undefined, undefined]);
    expect([a.body.beds.create.length, b.body.beds.create.length].sort()).toEqual([0, 4]);
    expect((await bedsOf(d.care)).filter((x) => x.ward === ward)).toHaveLength(4);
  });
});
