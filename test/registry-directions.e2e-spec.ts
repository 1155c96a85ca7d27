import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';
import { newPatient } from './support/registry-fixture';

jest.setTimeout(180_000);

/**
 * Every direction of 五床联动 under a district that requires cooperation agreements
 * (COOPERATION_DEFAULT=AGREEMENT_REQUIRED): refused without one, allowed along one.
 */
describe('Registry: directions along cooperation agreements, matching and automatic dispatch', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let sickbed: string;
  let homecare: string;

  beforeAll(async () => {
    // holds lapse after 2 s here (nothing else in this suite accepts an offer)
    e = await startEngine({ env: { COOPERATION_DEFAULT: 'AGREEMENT_REQUIRED', RESERVATION_HOLD_MS: '2000' } });
  });
  // a district of its own for each case: the agreements one case adds (hospital → cc2) and the
  // programme capacity it shrinks must not answer for another, whichever ran first (jest --randomize)
  beforeEach(async () => {
    d = await smallDistrict(e, `dir${Math.floor(Math.random() * 1e6)}`);
    await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'HOSPICE', ward: 'Hospice', label: 'H-01', services: ['HOSPICE'] }), 'hospice bed');
    sickbed = (
      await ok(d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: '江宁路家庭病床', capacity: 5, radiusKm: 3 }), 'sickbed')
    ).programmeId;
    homecare = (
      await ok(d.carec.post('/programmes', { institutionId: d.care, kind: 'HOME_CARE', name: '第一养老院家庭照护床位', capacity: 5, radiusKm: 3 }), 'homecare')
    ).programmeId;
    await ok(
      d.dc.post('/agreements', { fromInstitutionId: d.hospital, toInstitutionId: d.cc1, kinds: ['COMMUNITY', 'HOME_SICKBED'], directions: ['DOWNWARD'] }),
      'hospital → cc1',
    );
  });
  afterAll(async () => {
    await e?.close();
  });

  const TYPE_OF: Record<string, [string, string]> = {
    HOSPITAL: ['REGIONAL_MEDICAL_CENTRE', 'DISCHARGE_PLANNER'],
    COMMUNITY: ['COMMUNITY_HEALTH_CENTRE', 'COMMUNITY_COORDINATOR'],
    HOSPICE: ['COMMUNITY_HEALTH_CENTRE', 'COMMUNITY_COORDINATOR'],
    HOME_SICKBED: ['COMMUNITY_HEALTH_CENTRE', 'COMMUNITY_COORDINATOR'],
    CARE_HOME: ['ELDERLY_CARE_INSTITUTION', 'CARE_HOME_ADMISSIONS'],
    HOME_CARE: ['ELDERLY_CARE_INSTITUTION', 'CARE_HOME_ADMISSIONS'],
  };
  let instSeq = 0;
  /** Every case gets its own pair of institutions, so one case's agreement never answers another's. */
  const institutionFor = async (kind: string) => {
    const [type, role] = TYPE_OF[kind];
    const id = (
      await ok(
        d.dc.post('/institutions', {
          code: `DIR-${++instSeq}`,
          name: `方向测试机构${instSeq}`,
          type,
          districtId: d.district,
          lat: 31.23 + instSeq / 1000,
          lng: 121.45,
        }),
        'institution',
      )
    ).institutionId as string;
    return { id, c: client(e.baseUrl, e.token(role as any, id, { districtId: d.district })) };
  };

  type Case = [label: string, direction: string, originKind: string, kind: string];
  const cases: Case[] = [
    ['HOSPITAL → COMMUNITY', 'DOWNWARD', 'HOSPITAL', 'COMMUNITY'],
    ['HOSPITAL → HOSPICE', 'DOWNWARD', 'HOSPITAL', 'HOSPICE'],
    ['HOSPITAL → HOME_SICKBED', 'DOWNWARD', 'HOSPITAL', 'HOME_SICKBED'],
    ['HOSPITAL → CARE_HOME', 'DOWNWARD', 'HOSPITAL', 'CARE_HOME'],
    ['HOSPITAL → HOME_CARE', 'DOWNWARD', 'HOSPITAL', 'HOME_CARE'],
    ['COMMUNITY → HOSPITAL', 'UPWARD', 'COMMUNITY', 'HOSPITAL'],
    ['HOSPICE → HOSPITAL', 'UPWARD', 'HOSPICE', 'HOSPITAL'],
    ['HOME_SICKBED → HOSPITAL', 'UPWARD', 'HOME_SICKBED', 'HOSPITAL'],
    ['CARE_HOME → HOSPITAL', 'UPWARD', 'CARE_HOME', 'HOSPITAL'],
    ['HOME_CARE → HOSPITAL', 'UPWARD', 'HOME_CARE', 'HOSPITAL'],
    ['community COMMUNITY → care home CARE_HOME', 'LATERAL', 'COMMUNITY', 'CARE_HOME'],
    ['care home CARE_HOME → community COMMUNITY', 'LATERAL', 'CARE_HOME', 'COMMUNITY'],
    ['home HOME_SICKBED → institution CARE_HOME', 'LATERAL', 'HOME_SICKBED', 'CARE_HOME'],
    ['home HOME_CARE → institution COMMUNITY', 'LATERAL', 'HOME_CARE', 'COMMUNITY'],
    ['institution CARE_HOME → home HOME_SICKBED', 'LATERAL', 'CARE_HOME', 'HOME_SICKBED'],
  ];

  it.each(cases)('%s (%s): refused without an agreement, allowed along one', async (_label, direction, originKind, kind) => {
    const origin = await institutionFor(originKind);
    const target = await institutionFor(kind);
    const oc = origin.c;
    const patientId = await newPatient(oc);
    const drafted = await ok(
      oc.post('/referrals', { patientId, originKind, requestedKind: kind, services: [], urgency: 'ROUTINE', clinicalSummary: 'stable', consent: true }),
      'draft',
    );
    expect(drafted.direction).toBe(direction);
    await ok(oc.post(`/referrals/${drafted.referralId}/submit`), 'submit');
    const refused = await oc.post(`/referrals/${drafted.referralId}/offers`, { targetInstitutionId: target.id });
    expect(refused).toMatchObject({ status: 403, body: { code: 'DIRECTION_NOT_ALLOWED', message: expect.stringContaining(direction) } });
    // the reverse agreement, or one between the same two institutions for another direction, does not help
    const other = direction === 'LATERAL' ? 'DOWNWARD' : 'LATERAL';
    await ok(d.dc.post('/agreements', { fromInstitutionId: target.id, toInstitutionId: origin.id }), 'reverse agreement');
    await ok(
      d.dc.post('/agreements', { fromInstitutionId: origin.id, toInstitutionId: target.id, kinds: [kind], directions: [other] }),
      'other-direction agreement',
    );
    expect(await oc.post(`/referrals/${drafted.referralId}/offers`, { targetInstitutionId: target.id })).toMatchObject({
      status: 403,
      body: { code: 'DIRECTION_NOT_ALLOWED' },
    });
    await ok(d.dc.post('/agreements', { fromInstitutionId: origin.id, toInstitutionId: target.id, kinds: [kind], directions: [direction] }), 'agreement');
    const offered = await oc.post(`/referrals/${drafted.referralId}/offers`, { targetInstitutionId: target.id });
    expect(offered).toMatchObject({ status: 201, body: { state: 'OFFERED' } });
    await ok(oc.post(`/referrals/${drafted.referralId}/cancel`, { reason: 'direction test done' }), 'cancel');
  });

  it('rerouting is held to the same agreements', async () => {
    const patientId = await newPatient(d.planner);
    const { referralId } = await ok(
      d.planner.post('/referrals', { patientId, requestedKind: 'COMMUNITY', services: [], urgency: 'ROUTINE', clinicalSummary: 'stable', consent: true }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${referralId}/submit`), 'submit');
    await ok(d.dc.post(`/referrals/${referralId}/escalate`, { reason: 'nobody' }), 'escalate');
    const refused = await d.dc.post(`/referrals/${referralId}/reroute`, { reason: 'try cc2', targets: [{ institutionId: d.cc2 }] });
    expect(refused).toMatchObject({ status: 403, body: { code: 'DIRECTION_NOT_ALLOWED' } });
    expect((await d.dc.post(`/referrals/${referralId}/reroute`, { reason: 'try cc1', targets: [{ institutionId: d.cc1 }] })).status).toBe(200);
    await ok(d.planner.post(`/referrals/${referralId}/cancel`, { reason: 'done' }), 'cancel');
  });

  it('candidates are ranked with every factor explained; AUTO dispatch offers the best at submit; none left escalates', async () => {
    await ok(d.dc.post('/agreements', { fromInstitutionId: d.hospital, toInstitutionId: d.cc2, kinds: ['COMMUNITY'] }), 'agreement cc2');
    // family-doctor contract with cc2: it outranks cc1, which is slightly nearer
    const patientId = await newPatient(d.planner, { familyDoctorInstitutionId: d.cc2 });
    const { referralId } = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'rehab',
        consent: true,
        dispatch: 'AUTO',
        strategy: 'CASCADE',
      }),
      'draft',
    );
    const cands = await ok(d.planner.get(`/referrals/${referralId}/candidates`), 'candidates');
    expect(cands.candidates.map((c: any) => c.institutionId)).toEqual([d.cc2, d.cc1]);
    expect(cands.candidates[0].explanation.map((f: any) => f.factor)).toEqual(['capability', 'distance', 'agreement', 'familyDoctor', 'load']);
    expect(cands.candidates[0].explanation.find((f: any) => f.factor === 'familyDoctor')).toMatchObject({
      points: 10,
      detail: expect.stringContaining('family-doctor'),
    });
    expect(d.cc2Beds).toContain(cands.candidates[0].bedId);
    // another institution sees nothing
    expect((await d.carec.get(`/referrals/${referralId}/candidates`)).status).toBe(404);

    const submitted = await ok(d.planner.post(`/referrals/${referralId}/submit`), 'submit');
    expect(submitted).toMatchObject({ state: 'OFFERED', candidates: 2 });
    expect((await ok(d.planner.get(`/referrals/${referralId}`), 'read')).dispatch).toBe('AUTO');
    expect(submitted.offers).toEqual([expect.objectContaining({ targetInstitutionId: d.cc2, targetBedId: cands.candidates[0].bedId })]);

    // home programme candidates: the sickbed programme qualifies, with its slot
    const p2 = await newPatient(d.planner);
    const home = await ok(
      d.planner.post('/referrals', { patientId: p2, requestedKind: 'HOME_SICKBED', services: [], urgency: 'ROUTINE', clinicalSummary: 'home', consent: true }),
      'draft home',
    );
    const hc = await ok(d.planner.get(`/referrals/${home.referralId}/candidates`), 'home candidates');
    expect(hc.candidates).toEqual([expect.objectContaining({ institutionId: d.cc1, programmeId: sickbed, bedId: null })]);
    expect(homecare).toBeDefined();

    const p3 = await newPatient(d.planner);
    const none = await ok(
      d.planner.post('/referrals', {
        patientId: p3,
        requestedKind: 'CARE_HOME',
        services: ['DIALYSIS'],
        urgency: 'ROUTINE',
        clinicalSummary: 'dialysis',
        consent: true,
        dispatch: 'AUTO',
      }),
      'draft none',
    );
    expect(await ok(d.planner.post(`/referrals/${none.referralId}/submit`), 'submit none')).toMatchObject({ state: 'ESCALATED', candidates: 0 });
  });

  it('an expired hold on a programme frees its slot for the next patient at once', async () => {
    await ok(d.cc1c.post(`/programmes/${sickbed}/capacity`, { capacity: 1, reason: 'one nurse on leave' }), 'shrink');
    const offers: { referralId: string; offerId: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const patientId = await newPatient(d.planner);
      const { referralId } = await ok(
        d.planner.post('/referrals', { patientId, requestedKind: 'HOME_SICKBED', services: [], urgency: 'ROUTINE', clinicalSummary: 'home', consent: true }),
        'draft',
      );
      await ok(d.planner.post(`/referrals/${referralId}/submit`), 'submit');
      offers.push({
        referralId,
        offerId: (await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc1, targetProgrammeId: sickbed }), 'offer')).offerId,
      });
    }
    expect((await d.cc1c.post(`/referrals/${offers[0].referralId}/offers/${offers[0].offerId}/accept`, {})).status).toBe(200);
    expect(await d.cc1c.post(`/referrals/${offers[1].referralId}/offers/${offers[1].offerId}/accept`, {})).toMatchObject({
      status: 409,
      body: { code: 'PROGRAMME_FULL' },
    });
    const lapsed = await eventually(
      () => d.planner.get(`/referrals/${offers[0].referralId}`),
      (r) => r.body.reservations?.[0]?.state === 'EXPIRED',
      15_000,
      100,
    );
    expect(lapsed.body.reservations[0]).toMatchObject({ programmeId: sickbed });
    expect(await d.cc1c.post(`/referrals/${offers[1].referralId}/offers/${offers[1].offerId}/accept`, {})).toMatchObject({
      status: 200,
      body: { programmeId: sickbed },
    });
  });
});
