import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

const run = promisify(execFile);
jest.setTimeout(120_000);

describe('Foundation: a downward referral end to end on real Postgres and Redis', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  const draft = async (patientId: string, extra: Record<string, unknown> = {}) =>
    ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: '78F, ischaemic stroke day 9, medically stable, needs rehab',
        careLevel: 3,
        consent: true,
        ...extra,
      }),
      'draft',
    );

  it('hospital → community centre rehab bed → admitted, with the audit trail in order and verified', async () => {
    const patientId = await d.patient();
    // the patient occupies a hospital bed: seed that through a completed upward placement is out of scope here, so start from the ward
    const drafted = await draft(patientId);
    expect(drafted).toMatchObject({ state: 'DRAFT', direction: 'DOWNWARD' });
    const id = drafted.referralId;
    expect((await ok(d.planner.post(`/referrals/${id}/submit`), 'submit')).state).toBe('SUBMITTED');
    const offer = await ok(d.planner.post(`/referrals/${id}/offers`, { targetInstitutionId: d.cc1, targetBedId: d.cc1Beds[0] }), 'offer');
    expect(offer.state).toBe('OFFERED');
    expect(new Date(offer.deadlineAt).getTime()).toBeGreaterThan(Date.now());

    // the receiver opens it (evidence), then accepts the suggested bed
    expect((await ok(d.cc1c.post(`/referrals/${id}/offers/${offer.offerId}/view`), 'view')).firstView).toBe(true);
    const accepted = await ok(d.cc1c.post(`/referrals/${id}/offers/${offer.offerId}/accept`, {}), 'accept');
    expect(accepted).toMatchObject({ state: 'ACCEPTED', bedId: d.cc1Beds[0] });

    expect((await ok(d.planner.post(`/referrals/${id}/start-transfer`), 'transfer')).state).toBe('IN_TRANSFER');
    expect((await ok(d.cc1c.post(`/referrals/${id}/confirm-admission`), 'admit')).state).toBe('COMPLETED');

    const view = await ok(d.planner.get(`/referrals/${id}`), 'read');
    expect(view.state).toBe('COMPLETED');
    expect(view.offers).toHaveLength(1);
    expect(view.offers[0]).toMatchObject({ state: 'ACCEPTED', viewedBy: expect.any(String) });
    expect(view.reservations[0]).toMatchObject({ state: 'CONSUMED', bedId: d.cc1Beds[0] });

    const beds = await ok(d.cc1c.get(`/beds?institutionId=${d.cc1}`), 'beds');
    expect(beds.find((b: any) => b.id === d.cc1Beds[0])).toMatchObject({ status: 'O', occupantPatientId: patientId });

    const trail = await ok(d.planner.get(`/referrals/${id}/audit?verify=true`), 'audit');
    const types = trail.records.map((r: any) => r.eventType);
    expect(types).toEqual([
      'ReferralDrafted',
      'ReferralSubmitted',
      'OfferExtended',
      'PlacementRequested',
      'OfferViewed',
      'OfferAccepted',
      'BedReserved',
      'TransferStarted',
      'PatientAdmitted',
      'PlacementConfirmed',
      'ReferralCompleted',
    ]);
    expect(trail.records.map((r: any) => r.seq)).toEqual(types.map((_: string, i: number) => i + 1));
    for (let i = 1; i < trail.records.length; i++) expect(trail.records[i].prevHash).toBe(trail.records[i - 1].hash);
    expect(trail.records.find((r: any) => r.eventType === 'OfferAccepted').actor).toMatchObject({ role: 'COMMUNITY_COORDINATOR', institution: d.cc1 });
    expect(trail.verification).toMatchObject({ ok: true, records: types.length });

    // the bed board follows from events: one occupied rehab bed at cc1
    await eventually(
      () => d.dc.get('/bed-board'),
      (r) => r.body.some((row: any) => row.institutionId === d.cc1 && row.kind === 'COMMUNITY' && row.occupied === 1 && row.free === 2 && row.total === 3),
    );
  });

  it('an Idempotency-Key makes a retried command execute once, and both answers agree', async () => {
    const patientId = await d.patient();
    const body = {
      patientId,
      requestedKind: 'CARE_HOME',
      services: ['NURSING'],
      urgency: 'ROUTINE',
      clinicalSummary: 'needs long-term nursing',
      careLevel: 4,
      consent: true,
    };
    const key = `draft-${patientId}`;
    const [a, b] = await Promise.all([
      d.planner.post('/referrals', body, { 'idempotency-key': key }),
      d.planner.post('/referrals', body, { 'idempotency-key': key }),
    ]);
    const c = await d.planner.post('/referrals', body, { 'idempotency-key': key });
    expect(a.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(c.body).toEqual(a.body);
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM referrals WHERE patient_id = $1`, [patientId]);
    expect(n).toBe(1);
    const [{ m }] = await e.ds.query(`SELECT count(*)::int AS m FROM audit_log WHERE event_type = 'ReferralDrafted' AND payload->>'patientId' = $1`, [
      patientId,
    ]);
    expect(m).toBe(1);
    // the same key for a different command body is refused, not silently answered with the old result
    const reused = await d.planner.post('/referrals', { ...body, careLevel: 5 }, { 'idempotency-key': key });
    expect(reused).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('a second live referral for the same patient is refused with PATIENT_HAS_LIVE_REFERRAL naming it', async () => {
    const patientId = await d.patient();
    const first = await draft(patientId);
    const second = await d.planner.post('/referrals', {
      patientId,
      requestedKind: 'HOSPICE',
      services: ['HOSPICE'],
      urgency: 'URGENT',
      clinicalSummary: 'x',
      consent: true,
    });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'PATIENT_HAS_LIVE_REFERRAL', details: { referralId: first.referralId } });
  });

  it('20 parallel accepts of offers that target the same bed: exactly one wins, 19 get BED_ALREADY_RESERVED', async () => {
    const bedId = d.cc2Beds[0];
    const offers: { referralId: string; offerId: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const { referralId } = await draft(await d.patient());
      await ok(d.planner.post(`/referrals/${referralId}/submit`), 'submit');
      const o = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc2, targetBedId: bedId }), 'offer');
      offers.push({ referralId, offerId: o.offerId });
    }
    const replies = await Promise.all(offers.map((o) => d.cc2c.post(`/referrals/${o.referralId}/offers/${o.offerId}/accept`, { bedId })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    const losers = replies.filter((r) => r.status !== 200);
    expect(losers).toHaveLength(19);
    for (const l of losers) expect(l.body).toMatchObject({ code: 'BED_ALREADY_RESERVED', message: expect.any(String) });
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM reservations WHERE bed_id = $1 AND state = 'HELD'`, [bedId]);
    expect(n).toBe(1);
  });

  it('refuses transitions not in the table with INVALID_TRANSITION, unknown ids with 404, bad input with 400', async () => {
    const { referralId } = await draft(await d.patient());
    const early = await d.planner.post(`/referrals/${referralId}/start-transfer`);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'INVALID_TRANSITION', message: expect.stringContaining('DRAFT') });
    const missing = await d.planner.get('/referrals/00000000-0000-4000-8000-000000000000');
    expect(missing).toMatchObject({ status: 404, body: { code: 'REFERRAL_NOT_FOUND' } });
    const bad = await d.planner.post('/referrals', { patientId: 'nope', requestedKind: 'MOON', urgency: 'SOON', consent: 'yes', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.message).toEqual(expect.any(String));
    const notJson = await d.planner.raw('POST', '/referrals', '{"broken', { 'content-type': 'application/json' });
    expect(notJson).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const badId = await d.planner.post('/referrals/not-a-uuid/submit');
    expect(badId).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const anon = await client(e.baseUrl).get('/referrals');
    expect(anon).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  it('Prefer: respond-async answers 202 with a status URL that later shows the result', async () => {
    const patientId = await d.patient();
    const r = await d.planner.post(
      '/referrals',
      { patientId, requestedKind: 'COMMUNITY', services: ['REHAB'], urgency: 'URGENT', clinicalSummary: 'x', consent: true },
      { prefer: 'respond-async' },
    );
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(r.body.statusUrl);
    const done = await eventually(
      () => d.planner.get(r.body.statusUrl),
      (s) => s.body.state === 'completed',
    );
    expect(done.body.outcome).toMatchObject({ ok: true, result: { state: 'DRAFT' } });
  });

  it('GET /health answers 200 with database and redis status, without a token', async () => {
    const h = await client(e.baseUrl).get('/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, redis: { status: 'up' } } });
    expect((await client(e.baseUrl).get('/health/ready')).status).toBe(200);
  });

  it('the audit log refuses UPDATE and DELETE; a row altered with the trigger bypassed is named by npm run audit:verify', async () => {
    await expect(e.ds.query(`UPDATE audit_log SET reason = 'x' WHERE seq = (SELECT min(seq) FROM audit_log)`)).rejects.toThrow(/append-only/);
    await expect(e.ds.query(`DELETE FROM audit_log WHERE seq = (SELECT min(seq) FROM audit_log)`)).rejects.toThrow(/append-only/);

    const env = { ...process.env, DATABASE_URL: e.cfg.DATABASE_URL };
    const clean = await run('npm', ['run', '-s', 'audit:verify'], { env, cwd: process.cwd() });
    expect(clean.stdout).toMatch(/audit OK: \d+ records/);

    // the victim: this test's own accepted offer, on a bed of its own (no other test's rows are touched)
    const bedId = (await ok(d.cc2c.post('/beds', { institutionId: d.cc2, kind: 'COMMUNITY', ward: 'Audit', label: 'A-01' }), 'bed')).bedId;
    const { referralId } = await draft(await d.patient());
    await ok(d.planner.post(`/referrals/${referralId}/submit`), 'submit');
    const o = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc2, targetBedId: bedId }), 'offer');
    await ok(d.cc2c.post(`/referrals/${referralId}/offers/${o.offerId}/accept`, { bedId }), 'accept');
    const [victim] = await e.ds.query(
      `SELECT seq::text, aggregate_id, aggregate_seq, payload FROM audit_log WHERE event_type = 'OfferAccepted' AND aggregate_id = $1`,
      [referralId],
    );
    const setPayload = async (payload: string) => {
      await e.ds.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`);
      try {
        await e.ds.query(`UPDATE audit_log SET payload = $2::jsonb WHERE seq = $1`, [victim.seq, payload]);
      } finally {
        await e.ds.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`);
      }
    };
    await setPayload(JSON.stringify({ ...victim.payload, acceptedBy: 'someone-else' }));
    try {
      const broken = await run('npm', ['run', '-s', 'audit:verify'], { env, cwd: process.cwd() }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`HASH_MISMATCH at Referral ${victim.aggregate_id} seq ${victim.aggregate_seq}`);
    } finally {
      // the trail as it was, for whatever runs after (jest --randomize)
      await setPayload(JSON.stringify(victim.payload));
    }
  });
});
