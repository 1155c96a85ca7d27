import { Engine, startEngine } from '../support/engine';
import { ok, smallDistrict, submittedReferral } from '../support/fixture';
import { client, eventually } from '../support/http';
import { openStream } from '../support/sse';

jest.setTimeout(180_000);

/**
 * Attack: read or act on what is not yours any more. An institution's rights on a referral end with
 * its offer (declined, expired, withdrawn, revoked); another district or institution learns nothing.
 */
describe('Attack: every read and every "involved" decision is scoped to live involvement', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let d2: Awaited<ReturnType<typeof smallDistrict>>;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, 'd1');
    d2 = await smallDistrict(e, 'd2');
  });
  afterAll(async () => {
    await e?.close();
  });

  /** planner → cc2 (declined) → cc1 (accepted), transfer started: cc2 is out, cc1 holds the bed. */
  async function declinedThenTransfer(bed: string) {
    const patientId = await d.patient();
    const referralId = await submittedReferral(d.planner, patientId, { clinicalSummary: 'rehab after stroke' });
    const declined = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc2, targetBedId: d.cc2Beds[0] }), 'offer cc2');
    const offer = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc1, targetBedId: bed }), 'offer cc1');
    await ok(d.cc2c.post(`/referrals/${referralId}/offers/${declined.offerId}/decline`, { reason: 'NO_CAPACITY' }), 'decline');
    await ok(d.cc1c.post(`/referrals/${referralId}/offers/${offer.offerId}/accept`), 'accept');
    await ok(d.planner.post(`/referrals/${referralId}/start-transfer`), 'transfer');
    return { patientId, referralId };
  }

  it('a declined institution cannot abort another institution’s transfer (403), and nothing changes', async () => {
    const { referralId } = await declinedThenTransfer(d.cc1Beds[0]);
    const before = await ok(d.planner.get(`/referrals/${referralId}`), 'read');
    const abort = await d.cc2c.post(`/referrals/${referralId}/abort-transfer`, { reason: 'we want the bed back' });
    expect(abort.status).toBe(403);
    expect(abort.body.code).toBe('FORBIDDEN');
    const after = await ok(d.planner.get(`/referrals/${referralId}`), 'read');
    expect(after).toMatchObject({ state: 'IN_TRANSFER', version: before.version });
    expect(after.history.length).toBe(before.history.length);
    // the receiver may still abort: it holds the placement
    await ok(d.cc1c.post(`/referrals/${referralId}/abort-transfer`, { reason: 'bed flooded' }), 'abort by holder');
  });

  it('a declined institution can no longer read the referral, its trail, the patient or change the assessment', async () => {
    const { patientId, referralId } = await declinedThenTransfer(d.cc1Beds[1]);
    expect((await d.cc2c.get(`/referrals/${referralId}`)).status).toBe(404);
    expect((await d.cc2c.get(`/referrals/${referralId}/audit`)).status).toBe(404);
    expect((await d.cc2c.get(`/patients/${patientId}?referralId=${referralId}`)).status).toBe(404);
    expect((await d.cc2c.get(`/patients/${patientId}/journey`)).status).toBe(404);
    const listed = await ok(d.cc2c.get(`/referrals?limit=200`), 'list');
    expect(listed.map((r: any) => r.id)).not.toContain(referralId);
    const assess = await d.cc2c.post(`/patients/${patientId}/assessment`, d.assessed(6, { type: 'ONGOING' }));
    expect(assess.status).toBe(403);
    // the live parties keep their rights
    await ok(d.cc1c.get(`/referrals/${referralId}`), 'receiver reads');
    await ok(d.cc1c.get(`/patients/${patientId}?referralId=${referralId}`), 'receiver reads the patient');
    await ok(d.cc1c.post(`/patients/${patientId}/assessment`, d.assessed(4, { type: 'ONGOING' })), 'receiver reassesses');
    const [{ grade }] = await e.ds.query(`SELECT (assessment->>'grade')::int AS grade FROM patients WHERE id = $1`, [patientId]);
    expect(grade).toBe(4);
  });

  it('a declined institution is not told when the referral is cancelled later (SSE)', async () => {
    const url = `${e.baseUrl}/events/stream?access_token=`;
    const declinedStream = await openStream(url + e.token('COMMUNITY_COORDINATOR', d.cc2, { districtId: 'd1' }));
    const liveStream = await openStream(url + e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: 'd1' }));
    try {
      const patientId = await d.patient();
      const referralId = await submittedReferral(d.planner, patientId);
      const o2 = await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc2 }), 'offer cc2');
      await ok(d.planner.post(`/referrals/${referralId}/offers`, { targetInstitutionId: d.cc1 }), 'offer cc1');
      await ok(d.cc2c.post(`/referrals/${referralId}/offers/${o2.offerId}/decline`, { reason: 'NO_CAPACITY' }), 'decline');
      await ok(d.planner.post(`/referrals/${referralId}/cancel`, { reason: 'family took the patient home' }), 'cancel');
      await eventually(async () => liveStream.events.some((x) => x.type === 'ReferralCancelled' && x.aggregateId === referralId), Boolean);
      // a later event the declined institution does see proves its stream was live
      await ok(d.cc2c.post(`/beds/${d.cc2Beds[0]}/status`, { command: 'Close', reason: 'maintenance' }), 'close bed');
      await eventually(async () => declinedStream.events.some((x) => x.type === 'BedStatusChanged'), Boolean);
      const seen = declinedStream.events.filter((x) => x.aggregateId === referralId).map((x) => x.type);
      expect(seen).toContain('OfferDeclined');
      expect(seen).not.toContain('ReferralCancelled');
      await ok(d.cc2c.post(`/beds/${d.cc2Beds[0]}/status`, { command: 'Reopen', reason: 'done' }), 'reopen bed');
    } finally {
      await declinedStream.close();
      await liveStream.close();
    }
  });

  it('another district learns nothing: journey 404, FHIR Location hides the holding referral, audit verification covers its own district only', async () => {
    const { patientId, referralId } = await declinedThenTransfer(d.cc1Beds[2]);
    await eventually(
      () => d.planner.get(`/patients/${patientId}/journey`),
      (r) => r.status === 200,
    );
    expect((await d2.planner.get(`/patients/${patientId}/journey`)).status).toBe(404);
    expect((await d2.dc.get(`/patients/${patientId}/journey`)).status).toBe(404);

    const loc = (c: ReturnType<typeof client>) => c.get(`/fhir/Location/${d.cc1Beds[2]}`);
    const taskOf = (body: any) => JSON.stringify(body).includes(`Task/${referralId}`);
    expect(taskOf((await loc(d.cc1c)).body)).toBe(true);
    expect(taskOf((await loc(d.dc)).body)).toBe(true);
    for (const c of [d2.dc, d2.planner, d.cc2c]) {
      const r = await loc(c);
      expect(r.status).toBe(200);
      expect(taskOf(r.body)).toBe(false);
    }

    const auditor = (district: string) => client(e.baseUrl, e.token('AUDITOR', null, { districtId: district }));
    const mine = await ok(auditor('d1').get('/audit/verify'), 'verify d1');
    const other = await ok(auditor('d2').get('/audit/verify'), 'verify d2');
    const empty = await ok(auditor('d-none').get('/audit/verify'), 'verify empty');
    expect(mine.ok && other.ok && empty.ok).toBe(true);
    expect(empty).toMatchObject({ records: 0, chains: 0 });
    const [{ n: total }] = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log`);
    expect(mine.records).toBeGreaterThan(0);
    expect(other.records).toBeGreaterThan(0);
    expect(mine.records + other.records).toBeLessThanOrEqual(total);
    expect(mine.records).toBeLessThan(total);
  });
});
