import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';
import { isoDay } from './support/dates';
import { placePatient } from './support/stays';

jest.setTimeout(120_000);

/**
 * The reads the console's programme and agreement screens stand on: who is on a home programme
 * (its own institution and district only), and the agreements with their scope and validity
 * (a district sees its own, an institution those it is a party to).
 */
describe('home-programme enrolments and agreements, as the console reads them', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('lists who is on a programme to its institution and district; ending the enrolment frees the slot; strangers see nothing', async () => {
    const programmeId = (
      await ok(
        d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: `家庭病床 ${Date.now()}`, capacity: 2, radiusKm: 50 }),
        'programme',
      )
    ).programmeId as string;
    const patientId = await d.patient();
    const referralId = await placePatient(d, patientId, { kind: 'HOME_SICKBED' }, { client: d.cc1c, institutionId: d.cc1, programmeId });

    const list = await ok(d.cc1c.get(`/programmes/${programmeId}/enrolments`), 'enrolments');
    expect(list).toEqual([expect.objectContaining({ programmeId, patientId, referralId, endedAt: null })]);
    expect(new Date(list[0].startedAt).getTime()).toBeLessThanOrEqual(Date.now());
    // no identifier rides along: a name is read through the audited patient record
    expect(Object.keys(list[0]).sort()).toEqual(['endedAt', 'id', 'patientId', 'programmeId', 'referralId', 'startedAt']);
    expect((await ok(d.dc.get(`/programmes/${programmeId}/enrolments`), 'district')).map((x: { patientId: string }) => x.patientId)).toEqual([patientId]);

    // another institution of the district, another district, a hospital planner: the programme does not exist to them
    const elsewhere = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'elsewhere' }));
    for (const stranger of [d.cc2c, elsewhere, d.planner]) {
      expect(await stranger.get(`/programmes/${programmeId}/enrolments`)).toMatchObject({ status: 404, body: { code: 'PROGRAMME_NOT_FOUND' } });
    }
    expect((await d.cc1c.get('/programmes/00000000-0000-4000-8000-000000000000/enrolments')).status).toBe(404);
    expect((await d.cc1c.get('/programmes/not-a-uuid/enrolments')).status).toBe(400);
    // nor may they end it
    expect((await d.cc2c.post(`/patients/${patientId}/stay/end`, { reason: 'ENROLMENT_ENDED', programmeId })).status).toBe(403);

    const used = async () => (await ok(d.cc1c.get(`/programmes?institutionId=${d.cc1}`), 'programmes')).find((p: { id: string }) => p.id === programmeId);
    expect(await used()).toMatchObject({ enrolled: 1, free: 1 });
    await ok(d.cc1c.post(`/patients/${patientId}/stay/end`, { reason: 'ENROLMENT_ENDED', programmeId }), 'end');
    expect(await ok(d.cc1c.get(`/programmes/${programmeId}/enrolments`), 'after')).toEqual([]);
    const ended = await ok(d.cc1c.get(`/programmes/${programmeId}/enrolments?ended=true`), 'ended');
    expect(ended).toEqual([expect.objectContaining({ patientId, endedAt: expect.any(String) })]);
    expect(await used()).toMatchObject({ enrolled: 0, free: 2 });
    await eventually(
      () => ok(d.cc1c.get('/bed-board/programmes'), 'board'),
      (rows: { programmeId?: string; id?: string; free: number }[]) => rows.some((r) => (r.programmeId ?? r.id) === programmeId && r.free === 2),
      15_000,
      200,
    );
  });

  it('agreements carry scope and validity; a district sees its own, an institution those it is a party to', async () => {
    const from = isoDay(0);
    const until = isoDay(365);
    const a = await ok(
      d.dc.post('/agreements', {
        fromInstitutionId: d.hospital,
        toInstitutionId: d.care,
        kinds: ['CARE_HOME'],
        directions: ['DOWNWARD'],
        services: ['NURSING'],
        validFrom: from,
        validUntil: until,
      }),
      'agreement',
    );
    const mine = (await ok(d.dc.get('/agreements'), 'list')).find((x: { id: string }) => x.id === a.agreementId);
    expect(mine).toEqual({
      id: a.agreementId,
      districtId: d.district,
      fromInstitutionId: d.hospital,
      toInstitutionId: d.care,
      kinds: ['CARE_HOME'],
      directions: ['DOWNWARD'],
      services: ['NURSING'],
      validFrom: from,
      validUntil: until,
    });
    const ids = async (c: ReturnType<typeof client>, q = '') => (await ok(c.get(`/agreements${q}`), 'list')).map((x: { id: string }) => x.id);
    expect(await ids(d.planner)).toContain(a.agreementId);
    expect(await ids(d.carec)).toContain(a.agreementId);
    expect(await ids(d.dc, `?institutionId=${d.care}`)).toContain(a.agreementId);
    // not a party, another district
    expect(await ids(d.cc2c)).not.toContain(a.agreementId);
    expect(await ids(client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'elsewhere' })))).not.toContain(a.agreementId);
    expect((await d.dc.get('/agreements?institutionId=x')).status).toBe(400);
    // the domain's refusal of a period that ends before it starts
    const backwards = await d.dc.post('/agreements', { fromInstitutionId: d.hospital, toInstitutionId: d.cc2, validFrom: until, validUntil: from });
    expect(backwards).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    // only the district registers them
    expect((await d.planner.post('/agreements', { fromInstitutionId: d.hospital, toInstitutionId: d.cc2 })).status).toBe(403);
  });

  it('a browser opens a record with ?reason= (no Chinese in a header); the reason joins the trail; the header still wins', async () => {
    const rid = residentId(5_000_000 + Math.floor(Math.random() * 5_000_000));
    const patientId = (await ok(d.planner.post('/patients', { residentId: rid, name: '查阅测试' }), 'patient')).patientId as string;
    const reason = '日常照护查阅';
    const found = await ok(d.planner.get(`/patients?residentId=${rid}&reason=${encodeURIComponent(reason)}`), 'lookup');
    expect(found).toMatchObject({ id: patientId, residentId: rid, name: '查阅测试' });
    await ok(d.planner.get(`/patients/${patientId}?reason=x`, { 'x-access-reason': 'header reason' }), 'read');
    const trail: { reason: string }[] = await e.ds.query(
      `SELECT reason FROM audit_log WHERE aggregate_id = $1 AND event_type = 'PatientRecordAccessed' ORDER BY aggregate_seq`,
      [patientId],
    );
    expect(trail.map((r) => r.reason)).toEqual([reason, 'header reason']);
    // still no reason, no record; a reason is not a key to someone else's patient
    expect((await d.planner.get(`/patients?residentId=${rid}`)).status).toBe(400);
    expect((await d.planner.get(`/patients?residentId=${rid}&reason=${'x'.repeat(501)}`)).status).toBe(400);
    expect(await d.cc2c.get(`/patients?residentId=${rid}&reason=curious`)).toMatchObject({ status: 404, body: { code: 'PATIENT_NOT_FOUND' } });
  });

  it('a name search finds the institution’s own patients as it may see them, each match an audited read; others and the district get nothing', async () => {
    const tag = String(Date.now()).slice(-6);
    const reg = async (c: ReturnType<typeof client>, name: string, rid = residentId(5_000_000 + Math.floor(Math.random() * 5_000_000))) => ({
      rid,
      id: (await ok(c.post('/patients', { residentId: rid, name }), 'patient')).patientId as string,
    });
    const a = await reg(d.planner, `王秀英${tag}`);
    const b = await reg(d.planner, `王秀兰${tag}`);
    const other = await reg(d.cc2c, `王秀芳${tag}`);
    const search = (c: ReturnType<typeof client>, name: string, reason = '随访') =>
      c.get(`/patients/search?name=${encodeURIComponent(name)}${reason ? `&reason=${encodeURIComponent(reason)}` : ''}`);

    const found = await ok(search(d.planner, `王秀`), 'search');
    const mine = found.filter((p: { name: string }) => p.name.endsWith(tag));
    expect(mine.map((p: { id: string }) => p.id).sort()).toEqual([a.id, b.id].sort());
    expect(mine.find((p: { id: string }) => p.id === a.id)).toMatchObject({ residentId: a.rid, name: `王秀英${tag}` });
    // each match joined its patient's trail with the reason; the other institution's patient was not opened
    for (const id of [a.id, b.id, other.id]) {
      const [{ n }] = await e.ds.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1 AND event_type = 'PatientRecordAccessed' AND reason = '随访'`,
        [id],
      );
      expect(n).toBe(id === other.id ? 0 : 1);
    }
    // surrounding spaces do not matter
    expect((await ok(search(d.planner, ` 王秀英${tag} `), 'spaced')).map((p: { id: string }) => p.id)).toEqual([a.id]);

    // an institution that registered a known resident ID under its own spelling finds it by that spelling only
    await reg(d.carec, `王某英${tag}`, a.rid);
    expect((await ok(search(d.carec, `王秀英${tag}`), 'care')).length).toBe(0);
    expect(await ok(search(d.carec, `王某英${tag}`), 'care own')).toEqual([expect.objectContaining({ id: a.id, name: `王某英${tag}` })]);

    expect((await search(d.planner, '王')).status).toBe(400);
    expect((await search(d.planner, `王秀英${tag}`, '')).status).toBe(400);
    expect((await search(d.dc, `王秀英${tag}`)).status).toBe(403);
    expect((await ok(search(d.cc1c, `王秀英${tag}`), 'stranger')).length).toBe(0);
  });
});
