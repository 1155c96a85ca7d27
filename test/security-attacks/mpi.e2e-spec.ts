import { Engine, startEngine } from '../support/engine';
import { ok, residentId, smallDistrict, submittedReferral } from '../support/fixture';

jest.setTimeout(180_000);

/**
 * Attack: use registration as an existence oracle, or squat a known resident ID to lock the
 * patient's real institution out. The patient index is a master patient index: one patient,
 * several care relationships; registering a known resident ID adds one for the caller and answers
 * exactly like a fresh registration.
 */
describe('Attack: no existence oracle and no squatting through patient registration', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let d2: Awaited<ReturnType<typeof smallDistrict>>;
  let seq = 7_000_000 + Math.floor(Math.random() * 1_000_000) * 2;
  const why = { 'x-access-reason': 'attack test' };

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, 'd1');
    d2 = await smallDistrict(e, 'd2');
  });
  afterAll(async () => {
    await e?.close();
  });

  const shape = (r: { status: number; body: any }) => ({
    status: r.status,
    keys: Object.keys(r.body ?? {}).sort(),
    idLike: /^[0-9a-f-]{36}$/.test(r.body?.patientId ?? ''),
  });

  it('a stranger registering a known resident ID gets the same answer as for a new one and learns nothing of the record', async () => {
    const known = residentId(++seq);
    const original = await ok(d.planner.post('/patients', { residentId: known, name: '原院登记张阿姨', phone: '13911112222', ...d.assessed(4) }), 'register');
    const fresh = await d2.planner.post('/patients', { residentId: residentId(++seq), name: '陌生人甲' });
    const squat = await d2.planner.post('/patients', { residentId: known, name: '陌生人乙' });
    expect(shape(squat)).toEqual(shape(fresh));
    expect(squat.status).toBe(201);
    expect(JSON.stringify(squat.body)).not.toMatch(/原院登记张阿姨|13911112222|"grade"/);
    // same institution in the same district, too
    const squat2 = await d.cc2c.post('/patients', { residentId: known, name: '陌生人丙' });
    expect(shape(squat2)).toEqual(shape(fresh));

    // what the stranger may read is what it supplied itself: not the name, phone or assessment of others
    const seen = await d2.planner.get(`/patients/${squat.body.patientId}`, why);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ name: '陌生人乙', residentId: known, phone: null, assessment: null });
    const found = await d2.planner.get(`/patients?residentId=${known}`, why);
    expect(found.body).toMatchObject({ name: '陌生人乙', phone: null, assessment: null });
    expect(JSON.stringify([seen.body, found.body])).not.toMatch(/原院登记张阿姨|13911112222/);
    // nor overwrite the shared assessment
    expect((await d2.planner.post(`/patients/${squat.body.patientId}/assessment`, d.assessed(1, { type: 'ONGOING' }))).status).toBe(403);

    // the original institution keeps full access to the record it registered
    const mine = await ok(d.planner.get(`/patients/${original.patientId}`, why), 'original reads');
    expect(mine).toMatchObject({ name: '原院登记张阿姨', phone: '13911112222', assessment: expect.objectContaining({ grade: 4 }) });

    // one patient, three care relationships; each registration on the patient's audit chain
    const rels = await e.ds.query(`SELECT institution_id, kind FROM care_relationships WHERE patient_id = $1 AND ended_at IS NULL ORDER BY since`, [
      original.patientId,
    ]);
    expect(rels).toEqual([
      { institution_id: d.hospital, kind: 'REGISTERED' },
      { institution_id: d2.hospital, kind: 'REGISTERED' },
      { institution_id: d.cc2, kind: 'REGISTERED' },
    ]);
    const audit = await e.ds.query(
      `SELECT event_type, actor_institution FROM audit_log WHERE aggregate_id = $1 AND event_type <> 'PatientRecordAccessed' ORDER BY aggregate_seq`,
      [original.patientId],
    );
    expect(audit.map((a: any) => [a.event_type, a.actor_institution])).toEqual([
      ['PatientRegistered', d.hospital],
      ['CareRelationshipAdded', d2.hospital],
      ['CareRelationshipAdded', d.cc2],
    ]);
  });

  it('the original institution is not locked out, and the stranger cannot read its referrals of the patient', async () => {
    const known = residentId(++seq);
    const { patientId } = await ok(d.planner.post('/patients', { residentId: known, name: '原院登记李伯伯' }), 'register');
    const squat = await ok(d2.planner.post('/patients', { residentId: known, name: '抢注者' }), 'squat');
    // the original institution refers as before
    const referralId = await submittedReferral(d.planner, patientId);
    await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc1, targetBedId: d.cc1Beds[0] }), 'offer');
    await ok(d.planner.get(`/referrals/${referralId}`), 'original reads its referral');
    // a registering twice is idempotent for the original too
    const again = await d.planner.post('/patients', { residentId: known, name: '原院登记李伯伯' });
    expect(again.status).toBe(201);
    // the stranger has a relationship of its own only
    expect((await d2.planner.get(`/referrals/${referralId}`)).status).toBe(404);
    expect((await d2.planner.get(`/referrals/${referralId}/audit`)).status).toBe(404);
    const listed = await ok(d2.planner.get(`/referrals?limit=200`), 'list');
    expect(listed.map((r: any) => r.id)).not.toContain(referralId);
    // drafting its own referral does not disclose the original's referral id either
    const clash = await d2.planner.post('/referrals', {
      patientId: squat.patientId,
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      urgency: 'ROUTINE',
      clinicalSummary: 'x',
      careLevel: 3,
      consent: true,
    });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('PATIENT_HAS_LIVE_REFERRAL');
    expect(JSON.stringify(clash.body)).not.toContain(referralId);
    expect(squat.patientId).toBe(patientId);
  });

  it('receiving a patient adds a RECEIVED relationship that outlives the referral', async () => {
    const { patientId } = await ok(d.planner.post('/patients', { residentId: residentId(++seq), name: '转入患者' }), 'register');
    const referralId = await submittedReferral(d.planner, patientId);
    const offer = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc2, targetBedId: d.cc2Beds[0] }), 'offer');
    await ok(d.cc2c.post(`/referrals/${referralId}/offers/${offer.offerId}/accept`), 'accept');
    await ok(d.planner.post(`/referrals/${referralId}/start-transfer`), 'transfer');
    await ok(d.cc2c.post(`/referrals/${referralId}/confirm-admission`), 'admit');
    const rels = await e.ds.query(`SELECT institution_id, kind FROM care_relationships WHERE patient_id = $1 ORDER BY since`, [patientId]);
    expect(rels).toEqual([
      { institution_id: d.hospital, kind: 'REGISTERED' },
      { institution_id: d.cc2, kind: 'RECEIVED' },
    ]);
    // the receiver now cares for the patient: it reads the full record and may refer them onward
    expect(await ok(d.cc2c.get(`/patients/${patientId}`, why), 'receiver reads')).toMatchObject({ name: '转入患者' });
    await ok(
      d.cc2c.post('/referrals', {
        patientId,
        requestedKind: 'CARE_HOME',
        services: ['NURSING'],
        urgency: 'ROUTINE',
        clinicalSummary: 'long-term care',
        careLevel: 3,
        consent: true,
        originBedId: d.cc2Beds[0],
      }),
      'draft onward',
    );
  });
});
