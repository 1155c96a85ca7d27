import { readFileSync } from 'node:fs';
import { defaultPolicy } from '@bedlink/domain';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

jest.setTimeout(120_000);
type District = Awaited<ReturnType<typeof smallDistrict>>;

const careReferral = (d: District, patientId: string, extra: Record<string, unknown> = {}) =>
  ok(
    d.planner.post('/referrals', {
      patientId,
      requestedKind: 'CARE_HOME',
      services: ['NURSING'],
      urgency: 'ROUTINE',
      clinicalSummary: 'long-term nursing after discharge',
      consent: true,
      ...extra,
    }),
    'draft',
  );

describe('District policy: eligibility, supersede, return holds, policy documents', () => {
  let e: Engine;
  let d: District;
  beforeAll(async () => {
    e = await startEngine({ env: { OFFER_WINDOW_URGENT_MS: '60000' } });
  });
  // a district per test: a policy one test changes, or a bed it holds, is never another's starting point
  let districts = 0;
  beforeEach(async () => {
    d = await smallDistrict(e, `pol${++districts}`);
  });
  afterAll(() => e?.close());

  const submitTo = (id: string, institutionId: string, bedId?: string) =>
    d.planner.post(`/referrals/${id}/submit`, { targets: [{ institutionId, ...(bedId ? { bedId } : {}) }] });

  it.each([
    [1, 409, 'CARE_GRADE_INELIGIBLE'],
    [2, 200, undefined],
  ])('care-home placement with grade %i: %i %s (edge 1/2)', async (grade, status, code) => {
    const { referralId } = await careReferral(d, await d.patient(d.planner, d.assessed(grade)));
    const r = await submitTo(referralId, d.care);
    expect(r.status).toBe(status);
    if (code) expect(r.body.code).toBe(code);
  });

  it('an expired assessment and a missing one are refused with their own codes', async () => {
    const expired = await careReferral(d, await d.patient(d.planner, d.assessed(4, { assessedOn: '2024-01-01', expiresOn: '2025-12-31' })));
    expect((await submitTo(expired.referralId, d.care)).body).toMatchObject({ code: 'CARE_GRADE_EXPIRED' });
    const missing = await careReferral(d, await d.patient());
    expect((await submitTo(missing.referralId, d.care)).body).toMatchObject({ code: 'CARE_GRADE_MISSING' });
  });

  it('with onFailure FLAG an ineligible referral goes to the district coordinator instead of being refused', async () => {
    const doc = { ...defaultPolicy(d.district), eligibility: { ...defaultPolicy(d.district).eligibility, onFailure: 'FLAG' } };
    await ok(d.dc.raw('PUT', `/districts/${d.district}/policy`, doc), 'policy');
    await eventually(
      () => d.dc.get(`/districts/${d.district}/policy`),
      (r) => r.body.eligibility?.onFailure === 'FLAG',
    );
    await new Promise((r) => setTimeout(r, 2100)); // the worker's policy cache (2 s)
    const { referralId } = await careReferral(d, await d.patient(d.planner, d.assessed(1)));
    const r = await ok(submitTo(referralId, d.care), 'submit');
    expect(r).toMatchObject({ state: 'ESCALATED', flagged: 'CARE_GRADE_INELIGIBLE' });
    await ok(d.dc.raw('PUT', `/districts/${d.district}/policy`, defaultPolicy(d.district)), 'policy back');
    await new Promise((res) => setTimeout(res, 2100));
  });

  it.each([
    [2, false, 409],
    [3, false, 200],
    [2, true, 200],
  ])('a basic-guarantee bed: grade %i, cognitive impairment %s -> %i (edge 2/3)', async (grade, cognitive, status) => {
    const bg = (
      await ok(
        d.carec.post('/beds', {
          institutionId: d.care,
          kind: 'CARE_HOME',
          ward: '保基本',
          label: `BG-${grade}-${cognitive}`,
          services: ['NURSING'],
          basicGuarantee: true,
        }),
        'bed',
      )
    ).bedId;
    const { referralId } = await careReferral(d, await d.patient(d.planner, d.assessed(grade, { cognitiveImpairment: cognitive })));
    const sub = await ok(submitTo(referralId, d.care, bg), 'submit');
    const acc = await d.carec.post(`/referrals/${referralId}/offers/${sub.offers[0].offerId}/accept`, { bedId: bg });
    expect(acc.status).toBe(status);
    if (status === 409) expect(acc.body.code).toBe('CARE_GRADE_INELIGIBLE');
  });

  it('an EMERGENCY upward referral supersedes a live downward one, cancelling it with the reason', async () => {
    const patientId = await d.patient(d.planner, d.assessed(4));
    const down = await careReferral(d, patientId, { requestedKind: 'COMMUNITY', services: ['REHAB'] });
    // offered to cc1: the centre now has the patient in its care and may refer them
    await ok(submitTo(down.referralId, d.cc1), 'submit down');
    // a second ordinary referral is refused
    const second = await d.planner.post('/referrals', {
      patientId,
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      urgency: 'URGENT',
      clinicalSummary: 'x',
      consent: true,
    });
    expect(second.body).toMatchObject({ code: 'PATIENT_HAS_LIVE_REFERRAL', details: { referralId: down.referralId } });
    // the community centre caring for the patient refers up as an emergency
    const up = await ok(
      d.cc1c.post('/referrals', {
        patientId,
        requestedKind: 'HOSPITAL',
        services: ['ACUTE'],
        urgency: 'EMERGENCY',
        clinicalSummary: 'acute deterioration',
        consent: true,
      }),
      'up',
    );
    expect(up.direction).toBe('UPWARD');
    const old = await ok(d.planner.get(`/referrals/${down.referralId}`), 'old');
    expect(old.state).toBe('CANCELLED');
    expect(old.stateReason).toContain(up.referralId);
  });

  it('a care-home resident referred UPWARD keeps a return hold; the way back down finds that bed first; nobody else may take it', async () => {
    const resident = await d.patient(d.planner, d.assessed(4));
    // put the resident in care bed 3-01 through a completed placement
    const place = await careReferral(d, resident);
    const s = await ok(submitTo(place.referralId, d.care, d.careBeds[0]), 'submit');
    await ok(d.carec.post(`/referrals/${place.referralId}/offers/${s.offers[0].offerId}/accept`, {}), 'accept');
    await ok(d.planner.post(`/referrals/${place.referralId}/start-transfer`), 'transfer');
    await ok(d.carec.post(`/referrals/${place.referralId}/confirm-admission`), 'admit');

    const up = await ok(
      d.carec.post('/referrals', {
        patientId: resident,
        originBedId: d.careBeds[0],
        requestedKind: 'HOSPITAL',
        services: ['ACUTE'],
        urgency: 'URGENT',
        clinicalSummary: 'hip fracture',
        consent: true,
      }),
      'up',
    );
    const us = await ok(
      d.carec.post(`/referrals/${up.referralId}/submit`, { targets: [{ institutionId: d.hospital, bedId: d.hospitalBeds[1] }] }),
      'submit up',
    );
    await ok(d.planner.post(`/referrals/${up.referralId}/offers/${us.offers[0].offerId}/accept`, {}), 'accept up');
    await ok(d.carec.post(`/referrals/${up.referralId}/start-transfer`), 'transfer up');
    await ok(d.planner.post(`/referrals/${up.referralId}/confirm-admission`), 'admit up');
    const [bed] = await e.ds.query(`SELECT status, return_hold_patient_id, return_hold_until FROM beds WHERE id = $1`, [d.careBeds[0]]);
    expect(bed).toMatchObject({ status: 'H', return_hold_patient_id: resident });
    expect(new Date(bed.return_hold_until).getTime() - Date.now()).toBeGreaterThan(13 * 86_400_000);

    // another patient cannot have it
    await ok(d.carec.post(`/beds/${d.careBeds[0]}/status`, { command: 'Clean' }), 'clean');
    const other = await careReferral(d, await d.patient(d.planner, d.assessed(4)));
    const os = await ok(submitTo(other.referralId, d.care, d.careBeds[0]), 'submit other');
    const refused = await d.carec.post(`/referrals/${other.referralId}/offers/${os.offers[0].offerId}/accept`, { bedId: d.careBeds[0] });
    expect(refused.body).toMatchObject({ code: 'BED_ALREADY_RESERVED' });

    // back down: the held bed is offered first, and admission uses the hold
    const back = await careReferral(d, resident);
    const bs = await ok(d.planner.post(`/referrals/${back.referralId}/submit`, { targets: [{ institutionId: d.care }] }), 'submit back');
    const view = await ok(d.planner.get(`/referrals/${back.referralId}`), 'view back');
    expect(view.offers[0]).toMatchObject({ targetInstitutionId: d.care, targetBedId: d.careBeds[0] });
    await ok(d.carec.post(`/referrals/${back.referralId}/offers/${bs.offers[0].offerId}/accept`, {}), 'accept back');
    await ok(d.planner.post(`/referrals/${back.referralId}/start-transfer`), 'transfer back');
    await ok(d.carec.post(`/referrals/${back.referralId}/confirm-admission`), 'admit back');
    const [after] = await e.ds.query(`SELECT status, occupant_patient_id, return_hold_patient_id FROM beds WHERE id = $1`, [d.careBeds[0]]);
    expect(after).toEqual({ status: 'O', occupant_patient_id: resident, return_hold_patient_id: null });
    const types = (await e.ds.query(`SELECT event_type FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [d.careBeds[0]])).map(
      (r: any) => r.event_type,
    );
    expect(types).toEqual(expect.arrayContaining(['ReturnHoldPlaced', 'ReturnHoldReleased']));
  });

  it('a return hold lapses when its days run out: the bed is free again and the care home is told', async () => {
    const bedId = (await ok(d.carec.post('/beds', { institutionId: d.care, kind: 'CARE_HOME', ward: 'Floor 4', label: '4-01', services: ['NURSING'] }), 'bed'))
      .bedId;
    const resident = await d.patient(d.carec, d.assessed(4));
    // the hold as StartTransfer leaves it, already past its date (days ran out while the resident was in hospital)
    await e.ds.query(`UPDATE beds SET return_hold_patient_id = $2, return_hold_until = now() - interval '1 minute' WHERE id = $1`, [bedId, resident]);
    await eventually(
      async () => (await e.ds.query(`SELECT return_hold_patient_id FROM beds WHERE id = $1`, [bedId]))[0].return_hold_patient_id,
      (v) => v === null,
      30_000,
      250,
    );
    const [ev] = await e.ds.query(`SELECT payload FROM audit_log WHERE aggregate_id = $1 AND event_type = 'ReturnHoldLapsed'`, [bedId]);
    expect(ev.payload).toMatchObject({ institutionId: d.care, patientId: resident });
  });

  it('an invalid policy is refused with the path of the bad field; the stored one is audited', async () => {
    const bad = await d.dc.raw('PUT', `/districts/${d.district}/policy`, {
      ...defaultPolicy(d.district),
      calendar: { ...defaultPolicy(d.district).calendar, workingHours: { start: '8:30', end: '17:00' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { path: '/calendar/workingHours/start' } });
    const unknown = await d.dc.raw('PUT', `/districts/${d.district}/policy`, { ...defaultPolicy(d.district), surprise: 1 });
    expect(unknown.body.message).toContain('unknown field "surprise"');
    const foreign = await d.planner.raw('PUT', `/districts/${d.district}/policy`, defaultPolicy(d.district));
    expect(foreign.status).toBe(403);
    const changes = async () => (await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE event_type = 'DistrictPolicyChanged'`))[0].n as number;
    const before = await changes();
    await ok(d.dc.raw('PUT', `/districts/${d.district}/policy`, defaultPolicy(d.district)), 'valid policy');
    expect(await changes()).toBe(before + 1);
  });

  it('the demo district policy file in the repo is valid', async () => {
    const doc = JSON.parse(readFileSync('config/policies/jingan.json', 'utf8'));
    delete doc.$schema;
    const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'jingan' }));
    expect((await dc.raw('PUT', '/districts/jingan/policy', doc)).status).toBe(200);
  });

  it('AssessmentUpdated gives the open referral the new grade', async () => {
    const patientId = await d.patient(d.planner, d.assessed(2));
    const { referralId } = await careReferral(d, patientId);
    expect((await ok(d.planner.get(`/referrals/${referralId}`), 'r')).careLevel).toBe(2);
    const upd = await ok(d.planner.post(`/patients/${patientId}/assessment`, d.assessed(5, { type: 'ONGOING' })), 'assess');
    expect(upd).toMatchObject({ grade: 5, reassessedReferralId: referralId });
    expect((await ok(d.planner.get(`/referrals/${referralId}`), 'r')).careLevel).toBe(5);
  });
});

describe('Business-hour deadlines and warnings (fixed clock)', () => {
  // Friday 2026-11-27 16:00 in Shanghai
  const FRIDAY_4PM = new Date('2026-11-27T08:00:00Z');
  let e: Engine;
  let d: District;
  beforeAll(async () => {
    e = await startEngine({ clock: { now: () => new Date(FRIDAY_4PM) } });
    d = await smallDistrict(e, 'cal');
    const base = defaultPolicy('cal');
    await ok(
      d.dc.raw('PUT', '/districts/cal/policy', {
        ...base,
        offerWindows: { EMERGENCY: '15m', URGENT: '2h', ROUTINE: '8h' },
        calendar: { ...base.calendar, routineOnBusinessHours: true },
      }),
      'policy',
    );
    await new Promise((r) => setTimeout(r, 2100));
  });
  afterAll(() => e?.close());

  it('a ROUTINE offer made Friday 16:00 falls due Monday 15:30; an EMERGENCY one 15 minutes later, weekend or not', async () => {
    const routine = await ok(
      d.planner.post('/referrals', {
        patientId: await d.patient(),
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'x',
        consent: true,
      }),
      'draft',
    );
    const rs = await ok(d.planner.post(`/referrals/${routine.referralId}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit');
    expect(rs.offers[0].deadlineAt).toBe('2026-11-30T07:30:00.000Z');
    const resident = await d.patient(d.carec);
    const em = await ok(
      d.carec.post('/referrals', {
        patientId: resident,
        requestedKind: 'HOSPITAL',
        services: ['ACUTE'],
        urgency: 'EMERGENCY',
        clinicalSummary: 'x',
        consent: true,
      }),
      'draft em',
    );
    const es = await ok(d.carec.post(`/referrals/${em.referralId}/submit`, { targets: [{ institutionId: d.hospital }] }), 'submit em');
    expect(es.offers[0].deadlineAt).toBe('2026-11-27T08:15:00.000Z');
  });
});

describe('Deadline warnings at 50% and 80% of the window', () => {
  let e: Engine;
  let d: District;
  beforeAll(async () => {
    e = await startEngine({ env: { OFFER_WINDOW_URGENT_MS: '2000' } });
    d = await smallDistrict(e, 'warn');
  });
  afterAll(() => e?.close());

  it('the receiver is warned twice before the offer expires, and the warnings are in the trail', async () => {
    const { referralId } = await ok(
      d.planner.post('/referrals', {
        patientId: await d.patient(),
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'URGENT',
        clinicalSummary: 'x',
        consent: true,
        strategy: 'CASCADE',
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${referralId}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit');
    await eventually(
      () => d.planner.get(`/referrals/${referralId}`),
      (r) => r.body.state === 'ESCALATED',
      15_000,
    );
    const rows = await e.ds.query(
      `SELECT event_type, payload->>'fraction' AS f FROM audit_log WHERE aggregate_id = $1 AND event_type IN ('OfferDeadlineWarning','OfferExpired') ORDER BY aggregate_seq`,
      [referralId],
    );
    expect(rows.map((r: any) => [r.event_type, r.f])).toEqual([
      ['OfferDeadlineWarning', '0.5'],
      ['OfferDeadlineWarning', '0.8'],
      ['OfferExpired', null],
    ]);
  });
});
