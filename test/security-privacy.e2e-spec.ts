import { Writable } from 'node:stream';
import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { client } from './support/http';

jest.setTimeout(120_000);

/** Every JSON line both processes log, captured through the pino destination. */
class Capture extends Writable {
  lines: string[] = [];
  private buf = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.buf += chunk.toString('utf8');
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      this.lines.push(this.buf.slice(0, i));
      this.buf = this.buf.slice(i + 1);
    }
    cb();
  }
}

describe('Security: privacy (logs, ciphertext at rest, identifier-free events, audited patient reads)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const logs = new Capture();
  const rid = residentId(4242, 'M');
  const name = '隐私测试王先生';
  const phone = '13912345678';
  let patientId: string;
  let referralId: string;

  beforeAll(async () => {
    e = await startEngine({ env: { LOG_LEVEL: 'debug' }, logDestination: logs });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  // the lifecycle every case reads (patient, referral, logs), run before any of them: jest --randomize may
  // run the cases in any order
  const corr = 'corr-privacy-0001';
  beforeAll(async () => {
    const h = { 'x-correlation-id': corr };
    const reg = await d.planner.post('/patients', { residentId: rid, name, phone }, h);
    expect(reg.status).toBe(201);
    expect(reg.headers.get('x-correlation-id')).toBe(corr);
    patientId = reg.body.patientId;
    const drafted = await ok(
      d.planner.post(
        '/referrals',
        {
          patientId,
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'ROUTINE',
          clinicalSummary: 'stroke day 9, stable',
          careLevel: 3,
          consent: true,
        },
        h,
      ),
      'draft',
    );
    referralId = drafted.referralId;
    await ok(d.planner.post(`/referrals/${referralId}/submit`, {}, h), 'submit');
    const offer = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc1, targetBedId: d.cc1Beds[0] }, h), 'offer');
    await ok(d.cc1c.post(`/referrals/${referralId}/offers/${offer.offerId}/view`, {}, h), 'view');
    await ok(d.cc1c.post(`/referrals/${referralId}/offers/${offer.offerId}/accept`, {}, h), 'accept');
    // the receiver opens the record it now has a say over, and finds it by resident ID
    await ok(d.cc1c.get(`/patients/${patientId}?referralId=${referralId}`, h), 'read patient');
    await ok(d.cc1c.get(`/patients?residentId=${rid}`, { ...h, 'x-access-reason': `admission check, callback ${phone}` }), 'lookup');
    await ok(d.planner.post(`/referrals/${referralId}/start-transfer`, {}, h), 'transfer');
    await ok(d.cc1c.post(`/referrals/${referralId}/confirm-admission`, {}, h), 'admit');
    // a repeated registration with identifiers in the body (answered like a fresh one), and one with an invalid number
    expect(await d.planner.post('/patients', { residentId: rid, name, phone }, h)).toMatchObject({ status: 201, body: { patientId } });
    expect((await d.planner.post('/patients', { residentId: rid.slice(0, 17) + (rid[17] === '1' ? '2' : '1'), name, phone }, h)).status).toBe(400);
  });

  it('a full lifecycle logs JSON lines with correlation ids and never a resident ID, name or phone', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(logs.lines.length).toBeGreaterThan(10);
    const parsed = logs.lines.map((l) => JSON.parse(l));
    // the API's request lines and the worker's command lines carry the caller's correlation id
    expect(parsed.some((l) => l.correlationId === corr && l.app === 'api' && l.req)).toBe(true);
    expect(parsed.some((l) => l.correlationId === corr && l.msg === 'command executed')).toBe(true);
    const all = logs.lines.join('\n');
    for (const secret of [rid, rid.slice(0, 17), name, phone, e.cfg.JWT_SECRET]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/Bearer ey/);
  });

  it('the patients table holds ciphertext and a keyed hash, never the identifiers', async () => {
    const [row] = await e.ds.query(`SELECT * FROM patients WHERE id = $1`, [patientId]);
    for (const col of ['resident_id_enc', 'name_enc', 'phone_enc']) {
      expect(row[col]).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    }
    expect(row.resident_id_hash).toMatch(/^[0-9a-f]{64}$/);
    const raw = JSON.stringify(await e.ds.query(`SELECT * FROM patients`));
    for (const secret of [rid, name, phone]) expect(raw).not.toContain(secret);
    // two encryptions of the same value differ (random IV): no equality leak between rows
    const twin = await ok(d.planner.post('/patients', { residentId: residentId(4243), name, phone }), 'twin');
    const [again] = await e.ds.query(`SELECT name_enc FROM patients WHERE id = $1`, [twin.patientId]);
    expect(again.name_enc).not.toBe(row.name_enc);
  });

  it('PatientRegistered and every referral event carry no identifiers (audit log and outbox)', async () => {
    // a second referral of the same patient that goes the unhappy way: declined, escalated, rejected
    const r2 = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'URGENT',
        clinicalSummary: 'second',
        careLevel: 3,
        consent: true,
      }),
      'draft 2',
    );
    await ok(d.planner.post(`/referrals/${r2.referralId}/submit`), 'submit 2');
    const o2 = await ok(d.planner.post(`/referrals/${r2.referralId}/offers`, { targetInstitutionId: d.cc2, targetBedId: d.cc2Beds[0] }), 'offer 2');
    const declined = await ok(
      d.cc2c.post(`/referrals/${r2.referralId}/offers/${o2.offerId}/decline`, { reason: 'OTHER', text: 'no rehab nurse this week' }),
      'decline',
    );
    if (declined.state !== 'ESCALATED') await ok(d.dc.post(`/referrals/${r2.referralId}/escalate`, { reason: 'no capacity' }), 'escalate');
    await ok(d.dc.post(`/referrals/${r2.referralId}/close`, { reason: 'no capacity in district' }), 'close');
    const audit: { event_type: string; payload: unknown; reason: string | null }[] = await e.ds.query(`SELECT event_type, payload, reason FROM audit_log`);
    const outbox: { event_type: string; payload: unknown }[] = await e.ds.query(`SELECT event_type, payload FROM outbox`);
    const types = new Set(audit.map((a) => a.event_type));
    for (const t of [
      'PatientRegistered',
      'ReferralDrafted',
      'ReferralSubmitted',
      'OfferExtended',
      'OfferViewed',
      'OfferAccepted',
      'BedReserved',
      'TransferStarted',
      'PatientAdmitted',
      'ReferralCompleted',
      'OfferDeclined',
      'ReferralEscalated',
      'ReferralRejected',
    ])
      expect(types).toContain(t);
    const keys = (o: unknown): string[] => (o && typeof o === 'object' ? Object.entries(o).flatMap(([k, v]) => [k, ...keys(v)]) : []);
    // institutions and beds have names; patients' and referrals' events must not
    for (const ev of [...audit, ...outbox].filter((x) => !/^(Institution|Bed)(Registered|StatusChanged)$/.test(x.event_type))) {
      const text = JSON.stringify(ev.payload);
      for (const secret of [rid, name, phone]) expect(text).not.toContain(secret);
      expect(keys(ev.payload).filter((k) => /residentId|resident_id|^name$|phone/i.test(k))).toEqual([]);
    }
  });

  it('reading a patient needs a why, is refused to the uninvolved (404, nothing learnt), and is chained on the patient', async () => {
    const before = await e.ds.query(`SELECT chain_seq FROM patients WHERE id = $1`, [patientId]);
    const noReason = await d.cc1c.get(`/patients/${patientId}`);
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe('VALIDATION_FAILED');
    const got = await d.planner.get(`/patients/${patientId}`, { 'x-access-reason': 'discharge letter' });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: patientId, residentId: rid, name, phone });
    // the care home never had an offer for this patient: it cannot read nor find them, and the refusal looks like absence
    const foreign = await d.carec.get(`/patients/${patientId}`, { 'x-access-reason': 'curious' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('PATIENT_NOT_FOUND');
    const foreignLookup = await d.carec.get(`/patients?residentId=${rid}`, { 'x-access-reason': 'curious' });
    expect(foreignLookup.status).toBe(404);
    expect(foreignLookup.body.code).toBe('PATIENT_NOT_FOUND');
    expect((await d.planner.get(`/patients?residentId=${residentId(9999)}`, { 'x-access-reason': 'x' })).status).toBe(404);
    expect((await d.planner.get(`/patients?residentId=${rid.toLowerCase()}`, { 'x-access-reason': 'x' })).body.id).toBe(patientId);

    const access = await e.ds.query(
      `SELECT aggregate_type, aggregate_seq, actor_user, actor_role, actor_institution, reason, payload, occurred_at FROM audit_log WHERE aggregate_id = $1 AND event_type = 'PatientRecordAccessed' ORDER BY aggregate_seq`,
      [patientId],
    );
    // cc1 read + cc1 lookup (first test), planner read, planner lookup (lower-case); no rows for refusals
    expect(access).toHaveLength(4);
    expect(access[0]).toMatchObject({
      aggregate_type: 'Patient',
      actor_role: 'COMMUNITY_COORDINATOR',
      actor_institution: d.cc1,
      reason: `referral ${referralId}`,
      payload: { patientId, access: 'READ', referralId },
    });
    expect(access[1]).toMatchObject({ payload: { access: 'LOOKUP' } });
    expect(access[2]).toMatchObject({ actor_role: 'DISCHARGE_PLANNER', actor_institution: d.hospital, reason: 'discharge letter' });
    const after = await e.ds.query(`SELECT chain_seq FROM patients WHERE id = $1`, [patientId]);
    expect(after[0].chain_seq).toBe(before[0].chain_seq + 2);
    // access records are not published: they never leave the trail
    expect(await e.ds.query(`SELECT 1 FROM outbox WHERE event_type = 'PatientRecordAccessed'`)).toHaveLength(0);

    const auditor = client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'd1' }));
    const v = await ok(auditor.get('/audit/verify'), 'verify');
    expect(v.ok).toBe(true);
    // breaking an access record is caught like any other
    await e.ds.query(`ALTER TABLE audit_log DISABLE TRIGGER USER`);
    await e.ds.query(`UPDATE audit_log SET reason = 'tampered' WHERE aggregate_id = $1 AND event_type = 'PatientRecordAccessed' AND aggregate_seq = $2`, [
      patientId,
      access[2].aggregate_seq,
    ]);
    await e.ds.query(`ALTER TABLE audit_log ENABLE TRIGGER USER`);
    const broken = await ok(auditor.get('/audit/verify'), 'verify');
    expect(broken).toMatchObject({ ok: false, firstBreak: { aggregateType: 'Patient', aggregateId: patientId, problem: 'HASH_MISMATCH' } });
  });
});
