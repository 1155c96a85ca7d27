import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { pick, placePatient } from './support/stays';
import { eventually } from './support/http';
import { addDays, shanghaiDay } from './support/dates';

jest.setTimeout(120_000);

/** Places where the code contradicted the domain (issue 16, item 3), each as a story over HTTP. */
describe('The whole stay: domain fixes', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `fix${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  const centre = () => pick({ id: d.cc1, c: d.cc1c, beds: d.cc1Beds }, { id: d.cc2, c: d.cc2c, beds: d.cc2Beds });
  const bedOf = async (bedId: string) => (await e.ds.query(`SELECT status, occupant_patient_id FROM beds WHERE id = $1`, [bedId]))[0];

  it('O→K: contaminating an occupied bed is refused with a domain code (never a 5xx); the occupant stays', async () => {
    const cc = centre();
    const bedId = (
      await ok(cc.c.post('/beds', { institutionId: cc.id, kind: 'COMMUNITY', ward: 'K', label: `K-${Date.now() % 1e5}`, services: ['REHAB'] }), 'bed')
    ).bedId;
    const patientId = await d.patient();
    await placePatient(d, patientId, { kind: 'COMMUNITY', services: ['REHAB'] }, { client: cc.c, institutionId: cc.id, bedId });
    const r = await cc.c.post(`/beds/${bedId}/status`, { command: 'Contaminate', reason: 'norovirus' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('INVALID_TRANSITION');
    expect(await bedOf(bedId)).toEqual({ status: 'O', occupant_patient_id: patientId });
    // the way it is done: end the stay (H), then the empty bed can be closed for decontamination
    await ok(cc.c.post(`/patients/${patientId}/stay/end`, { reason: 'DISCHARGED_HOME' }), 'end');
    expect((await cc.c.post(`/beds/${bedId}/status`, { command: 'Close', reason: 'norovirus' })).status).toBe(200);
  });

  it('two-bed integration (两床融合): a home sickbed and a home elderly-care bed at once; ending one keeps the other', async () => {
    const cc = centre();
    const sickbed = (
      await ok(
        cc.c.post('/programmes', {
          institutionId: cc.id,
          kind: 'HOME_SICKBED',
          name: `家庭病床 ${Date.now()}`,
          capacity: 3,
          services: ['NURSING'],
          radiusKm: 50,
        }),
        'sickbed',
      )
    ).programmeId as string;
    const homeCare = (
      await ok(
        d.carec.post('/programmes', {
          institutionId: d.care,
          kind: 'HOME_CARE',
          name: `家庭照护床位 ${Date.now()}`,
          capacity: 3,
          services: ['NURSING'],
          radiusKm: 50,
        }),
        'home care',
      )
    ).programmeId as string;
    const patientId = await d.patient(d.planner, d.assessed(3));
    await placePatient(d, patientId, { kind: 'HOME_SICKBED', services: ['NURSING'] }, { client: cc.c, institutionId: cc.id, programmeId: sickbed });
    // the community centre adds institutional care at home, without giving up the home sickbed
    const r = await ok(
      cc.c.post('/referrals', {
        patientId,
        originKind: 'HOME_SICKBED',
        requestedKind: 'HOME_CARE',
        services: ['NURSING'],
        urgency: 'ROUTINE',
        clinicalSummary: '两床融合',
        consent: true,
      }),
      'draft',
    );
    const sub = await ok(cc.c.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.care, programmeId: homeCare }] }), 'submit');
    await ok(d.carec.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/accept`, { programmeId: homeCare }), 'accept');
    await ok(cc.c.post(`/referrals/${r.referralId}/start-transfer`), 'transfer');
    await ok(d.carec.post(`/referrals/${r.referralId}/confirm-admission`), 'admit');
    const active = async () =>
      (await e.ds.query(`SELECT programme_id FROM enrolments WHERE patient_id = $1 AND ended_at IS NULL ORDER BY programme_id`, [patientId])).map(
        (x: any) => x.programme_id,
      );
    expect(await active()).toEqual([sickbed, homeCare].sort());
    // two home beds: which one ends must be said; the care institution ends its own
    expect((await d.carec.post(`/patients/${patientId}/stay/end`, { reason: 'ENROLMENT_ENDED' })).body.code).toBe('VALIDATION_FAILED');
    await ok(d.carec.post(`/patients/${patientId}/stay/end`, { reason: 'ENROLMENT_ENDED', programmeId: homeCare }), 'end home care');
    expect(await active()).toEqual([sickbed]);
  });

  it('home matching from the address: the programme nearer the patient’s home ranks first, and a programme’s areaCodes are honoured', async () => {
    const stamp = Date.now() % 1e6;
    let n = 0;
    const mk = async (c: typeof d.cc1c, id: string, extra: Record<string, unknown>) =>
      (
        await ok(
          c.post('/programmes', {
            institutionId: id,
            kind: 'HOME_SICKBED',
            name: `家庭病床 ${stamp} ${++n}`,
            capacity: 5,
            services: ['NURSING'],
            ...extra,
          }),
          'prog',
        )
      ).programmeId as string;
    const p1 = await mk(d.cc1c, d.cc1, { radiusKm: 30 });
    const p2 = await mk(d.cc2c, d.cc2, { radiusKm: 30 });
    // the patient lives next to one of the two centres, picked at run time (the hospital is about as far from both)
    const [nearId, nearProg, farProg] = pick([d.cc1, p1, p2] as const, [d.cc2, p2, p1] as const);
    const [near] = await e.ds.query(`SELECT lat, lng FROM institutions WHERE id = $1`, [nearId]);
    const areaCode = `JA-${stamp}`;
    const patientId = await d.patient(d.planner, { home: { areaCode, lat: near.lat + 0.001, lng: near.lng + 0.001 } });
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'HOME_SICKBED',
        services: ['NURSING'],
        urgency: 'ROUTINE',
        clinicalSummary: 'home care',
        consent: true,
      }),
      'draft',
    );
    const ranked = await ok(d.planner.get(`/referrals/${r.referralId}/candidates`), 'candidates');
    const ours = ranked.candidates.filter((c: any) => [p1, p2].includes(c.programmeId)).map((c: any) => c.programmeId);
    expect(ours).toEqual([nearProg, farProg]);
    // a programme serving named area codes only (no radius) is not offered to a home outside them
    const coded = await mk(d.cc1c, d.cc1, { areaCodes: ['ELSEWHERE'] });
    const again = await ok(d.planner.get(`/referrals/${r.referralId}/candidates?limit=50`), 'candidates');
    expect(again.candidates.map((c: any) => c.programmeId)).not.toContain(coded);
    // the home never leaves the engine in an event
    const leaked = await e.ds.query(`SELECT 1 FROM audit_log WHERE payload::text LIKE $1`, [`%${areaCode}%`]);
    expect(leaked).toHaveLength(0);
  });

  it('UpdateInstitution: the district coordinator changes name, services, coordinates and ownership, audited; nobody else, and never the type', async () => {
    const cc = centre();
    const name = `更名中心 ${Date.now() % 1e6}`;
    const up = await ok(
      d.dc.raw('PATCH', `/institutions/${cc.id}`, { name, ownership: 'PRIVATE', lat: 31.25, lng: 121.46, services: ['REHAB', 'NURSING'], reason: '迁址' }),
      'update',
    );
    expect(up).toMatchObject({ institutionId: cc.id, changed: true });
    expect(await ok(d.dc.get(`/institutions/${cc.id}`), 'read')).toMatchObject({ name, ownership: 'PRIVATE', lat: 31.25, services: ['REHAB', 'NURSING'] });
    const [ev] = await e.ds.query(
      `SELECT payload, reason FROM audit_log WHERE aggregate_id = $1 AND event_type = 'InstitutionUpdated' ORDER BY seq DESC LIMIT 1`,
      [cc.id],
    );
    expect(ev.payload.changed.name.to).toBe(name);
    expect(ev.reason).toBe('迁址');
    expect((await cc.c.raw('PATCH', `/institutions/${cc.id}`, { name: 'mine' })).status).toBe(403);
    expect((await d.dc.raw('PATCH', `/institutions/${cc.id}`, { type: 'REGIONAL_MEDICAL_CENTRE' })).status).toBe(400);
    expect((await d.dc.raw('PATCH', `/institutions/${cc.id}`, { ownership: 'STATE' })).status).toBe(400);
  });

  it('AbortTransfer after StartTransfer: the patient gets the bed they left back, audited', async () => {
    const cc = centre();
    const bedId = (
      await ok(cc.c.post('/beds', { institutionId: cc.id, kind: 'COMMUNITY', ward: 'A', label: `A-${Date.now() % 1e5}`, services: ['REHAB'] }), 'bed')
    ).bedId;
    const patientId = await d.patient();
    await placePatient(d, patientId, { kind: 'COMMUNITY', services: ['REHAB'] }, { client: cc.c, institutionId: cc.id, bedId });
    // up to hospital, then the ambulance turns back
    const hospBed = pick(...d.hospitalBeds);
    const r = await ok(
      cc.c.post('/referrals', {
        patientId,
        originBedId: bedId,
        requestedKind: 'HOSPITAL',
        services: [],
        urgency: 'EMERGENCY',
        clinicalSummary: 'fall',
        consent: true,
      }),
      'draft',
    );
    const sub = await ok(cc.c.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.hospital, bedId: hospBed }] }), 'submit');
    await ok(d.planner.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/accept`, { bedId: hospBed }), 'accept');
    await ok(cc.c.post(`/referrals/${r.referralId}/start-transfer`), 'transfer');
    expect((await bedOf(bedId)).status).toBe('H');
    const aborted = await ok(cc.c.post(`/referrals/${r.referralId}/abort-transfer`, { reason: 'stabilised in the ambulance' }), 'abort');
    expect(aborted).toMatchObject({ state: 'FAILED', returnedToBedId: bedId });
    expect(await bedOf(bedId)).toEqual({ status: 'O', occupant_patient_id: patientId });
    const [ev] = await e.ds.query(
      `SELECT payload, reason FROM audit_log WHERE aggregate_id = $1 AND event_type = 'BedStatusChanged' ORDER BY seq DESC LIMIT 1`,
      [bedId],
    );
    expect(ev.payload).toMatchObject({ from: 'H', to: 'O', command: 'Readmit', patientId, referralId: r.referralId });
    expect(ev.reason).toContain('stabilised');
    // the hospital bed is free again, and the patient can be referred afresh
    expect((await bedOf(hospBed)).status).toBe('U');
  });
});

describe('Cooperation agreements: validity and service scope', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `agr${Math.floor(Math.random() * 1e6)}`);
    const doc = await ok(d.dc.get(`/districts/${d.district}/policy`), 'policy');
    await ok(d.dc.raw('PUT', `/districts/${d.district}/policy`, { ...doc, referral: { sameDistrictWithoutAgreement: false } }), 'agreements required');
  });
  afterAll(() => e?.close());

  it('an expired agreement stops routing; one out of its service scope routes nothing either; one in force does', async () => {
    const [target, other] = pick([d.cc1, d.cc2] as const, [d.cc2, d.cc1] as const);
    const agree = (to: string, extra: Record<string, unknown>) =>
      ok(d.dc.post('/agreements', { fromInstitutionId: d.hospital, toInstitutionId: to, kinds: ['COMMUNITY'], ...extra }), 'agreement');
    await agree(target, { validFrom: addDays(shanghaiDay(), -400), validUntil: addDays(shanghaiDay(), -1) });
    await agree(other, { services: ['NURSING'] });
    const referral = async () => {
      const patientId = await d.patient();
      return (
        await ok(
          d.planner.post('/referrals', { patientId, requestedKind: 'COMMUNITY', services: ['REHAB'], urgency: 'ROUTINE', clinicalSummary: 'x', consent: true }),
          'draft',
        )
      ).referralId as string;
    };
    const r1 = await referral();
    const expired = await d.planner.post(`/referrals/${r1}/submit`, { targets: [{ institutionId: target }] });
    expect(expired.body.code).toBe('DIRECTION_NOT_ALLOWED');
    const scoped = await d.planner.post(`/referrals/${r1}/submit`, { targets: [{ institutionId: other }] });
    expect(scoped.body.code).toBe('DIRECTION_NOT_ALLOWED');
    // matching agrees (the API process sees a policy change within its cache's few seconds)
    const ranked = await eventually(
      () => d.planner.get(`/referrals/${r1}/candidates`),
      (x) => x.status === 200 && !x.body.candidates.some((c: any) => [target, other].includes(c.institutionId)),
    );
    expect(ranked.body.candidates.map((c: any) => c.institutionId)).toEqual([]);
    // renewed: in force from today
    await agree(target, { validFrom: shanghaiDay(), services: ['REHAB'] });
    expect((await d.planner.post(`/referrals/${r1}/submit`, { targets: [{ institutionId: target }] })).status).toBe(200);
  });
});

describe('SCENARIOS no. 5: two-way rehab beds, end to end', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `rehab${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  it('the community centre’s rehab bed is held while its patient is up in hospital, and they come back down to it; the journey shows both moves', async () => {
    // the district holds community beds too (policy: returnHoldKinds)
    const doc = await ok(d.dc.get(`/districts/${d.district}/policy`), 'policy');
    await ok(d.dc.raw('PUT', `/districts/${d.district}/policy`, { ...doc, returnHoldKinds: ['CARE_HOME', 'COMMUNITY'] }), 'set policy');

    const cc = pick({ id: d.cc1, c: d.cc1c }, { id: d.cc2, c: d.cc2c });
    const rehabBed = (
      await ok(cc.c.post('/beds', { institutionId: cc.id, kind: 'COMMUNITY', ward: 'Rehab', label: `R-${Date.now() % 1e5}`, services: ['REHAB'] }), 'bed')
    ).bedId as string;
    const patientId = await d.patient();
    await placePatient(d, patientId, { kind: 'COMMUNITY', services: ['REHAB'] }, { client: cc.c, institutionId: cc.id, bedId: rehabBed });

    // UPWARD for surgery
    const hospBed = pick(...d.hospitalBeds);
    const up = await ok(
      cc.c.post('/referrals', {
        patientId,
        originBedId: rehabBed,
        requestedKind: 'HOSPITAL',
        services: [],
        urgency: 'URGENT',
        clinicalSummary: 'hip fracture, surgery',
        consent: true,
      }),
      'draft up',
    );
    const upSub = await ok(cc.c.post(`/referrals/${up.referralId}/submit`, { targets: [{ institutionId: d.hospital, bedId: hospBed }] }), 'submit up');
    await ok(d.planner.post(`/referrals/${up.referralId}/offers/${upSub.offers[0].offerId}/accept`, { bedId: hospBed }), 'accept up');
    await ok(cc.c.post(`/referrals/${up.referralId}/start-transfer`), 'transfer up');
    await ok(d.planner.post(`/referrals/${up.referralId}/confirm-admission`), 'admit up');
    const [held] = await e.ds.query(`SELECT status, return_hold_patient_id FROM beds WHERE id = $1`, [rehabBed]);
    expect(held).toEqual({ status: 'H', return_hold_patient_id: patientId });
    await ok(cc.c.post(`/beds/${rehabBed}/status`, { command: 'Clean' }), 'clean');

    // nobody else gets the held bed meanwhile
    const stranger = await d.patient();
    const sr = await ok(
      d.planner.post('/referrals', {
        patientId: stranger,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'x',
        consent: true,
      }),
      'draft stranger',
    );
    const srSub = await ok(d.planner.post(`/referrals/${sr.referralId}/submit`, { targets: [{ institutionId: cc.id }] }), 'submit stranger');
    const refused = await cc.c.post(`/referrals/${sr.referralId}/offers/${srSub.offers[0].offerId}/accept`, { bedId: rehabBed });
    expect(refused.body.code).toBe('BED_ALREADY_RESERVED');

    // DOWNWARD after surgery: the held bed is offered first, to the same centre
    const down = await ok(
      d.planner.post('/referrals', {
        patientId,
        originBedId: hospBed,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'post-op rehab',
        consent: true,
      }),
      'draft down',
    );
    const downSub = await ok(d.planner.post(`/referrals/${down.referralId}/submit`), 'submit down');
    expect(downSub.offers[0]).toMatchObject({ targetInstitutionId: cc.id, targetBedId: rehabBed });
    await ok(cc.c.post(`/referrals/${down.referralId}/offers/${downSub.offers[0].offerId}/accept`, { bedId: rehabBed }), 'accept down');
    await ok(d.planner.post(`/referrals/${down.referralId}/start-transfer`), 'transfer down');
    await ok(cc.c.post(`/referrals/${down.referralId}/confirm-admission`), 'admit down');
    const [back] = await e.ds.query(`SELECT status, occupant_patient_id, return_hold_patient_id FROM beds WHERE id = $1`, [rehabBed]);
    expect(back).toEqual({ status: 'O', occupant_patient_id: patientId, return_hold_patient_id: null });

    const journey = await eventually(
      () => cc.c.get(`/patients/${patientId}/journey`),
      (j) => j.status === 200 && j.body.stays.length >= 4,
    );
    expect(journey.body.stays.slice(-3).map((s: any) => [s.kind, s.bedId])).toEqual([
      ['COMMUNITY', rehabBed],
      ['HOSPITAL', hospBed],
      ['COMMUNITY', rehabBed],
    ]);
  });
});
