import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

jest.setTimeout(120_000);

/** Stories from SCENARIOS.md, played end to end over HTTP. */
describe('Scenarios', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine({ env: { OFFER_WINDOW_URGENT_MS: '900' } });
    d = await smallDistrict(e, 'scn');
  });
  afterAll(() => e?.close());

  it('2. Hospice, downward: the first centre lets the deadline lapse, the second accepts a HOSPICE bed, the family withdraws consent and everyone still involved is told', async () => {
    const h1 = (await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'HOSPICE', ward: '安宁疗护', label: 'A1', services: ['HOSPICE'] }), 'bed')).bedId;
    const h2 = (await ok(d.cc2c.post('/beds', { institutionId: d.cc2, kind: 'HOSPICE', ward: '安宁疗护', label: 'A1', services: ['HOSPICE'] }), 'bed')).bedId;
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        originBedId: d.hospitalBeds[0],
        requestedKind: 'HOSPICE',
        services: ['HOSPICE'],
        urgency: 'URGENT',
        strategy: 'CASCADE',
        clinicalSummary: 'metastatic pancreatic cancer, comfort care',
        consent: true,
      }),
      'draft',
    );
    expect(r.direction).toBe('DOWNWARD');
    await ok(
      d.planner.post(`/referrals/${r.referralId}/submit`, {
        targets: [
          { institutionId: d.cc1, bedId: h1 },
          { institutionId: d.cc2, bedId: h2 },
        ],
      }),
      'submit',
    );
    // cc1 does not answer; the engine moves on by itself
    const moved = await eventually(
      () => d.planner.get(`/referrals/${r.referralId}`),
      (x) => x.body.offers.length === 2,
      10_000,
    );
    expect(moved.body.offers[0]).toMatchObject({ targetInstitutionId: d.cc1, state: 'EXPIRED' });
    const second = moved.body.offers[1];
    await ok(d.cc2c.post(`/referrals/${r.referralId}/offers/${second.id}/view`), 'view');
    const accepted = await ok(d.cc2c.post(`/referrals/${r.referralId}/offers/${second.id}/accept`, {}), 'accept');
    expect(accepted).toMatchObject({ state: 'ACCEPTED', bedId: h2 });
    // next morning the family withdraws consent
    const cancelled = await ok(d.planner.post(`/referrals/${r.referralId}/cancel`, { reason: '家属撤回同意 (family withdrew consent)' }), 'cancel');
    expect(cancelled.state).toBe('CANCELLED');
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM reservations WHERE bed_id = $1 AND state = 'HELD'`, [h2]);
    expect(n).toBe(0);
    const [ev] = await e.ds.query(`SELECT payload, reason FROM audit_log WHERE aggregate_id = $1 AND event_type = 'ReferralCancelled'`, [r.referralId]);
    // those live at the time are told; cc1, whose offer expired, lost the referral with its offer
    expect(ev.payload.involved.sort()).toEqual([d.hospital, d.cc2].sort());
    expect(ev.reason).toContain('consent');
    const released = await e.ds.query(`SELECT 1 FROM audit_log WHERE aggregate_id = $1 AND event_type = 'ReservationReleased'`, [r.referralId]);
    expect(released).toHaveLength(1);
    await eventually(
      () => d.dc.get('/bed-board'),
      (b) => b.body.some((row: any) => row.institutionId === d.cc2 && row.kind === 'HOSPICE' && row.free === 1 && row.reserved === 0),
    );
  });

  it('6. Audit: "the care home said it never received the request": the trail shows it was offered, opened by whom and when, declined with a reason; a tampered row is named', async () => {
    const patientId = await d.patient(d.planner, d.assessed(4));
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'CARE_HOME',
        services: ['NURSING'],
        urgency: 'ROUTINE',
        clinicalSummary: 'needs nursing care',
        consent: true,
      }),
      'draft',
    );
    const s = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.care }] }), 'submit');
    const offerId = s.offers[0].offerId;
    await ok(d.carec.post(`/referrals/${r.referralId}/offers/${offerId}/view`), 'view');
    await ok(d.carec.post(`/referrals/${r.referralId}/offers/${offerId}/decline`, { reason: 'STAFFING', text: '夜班护士不足' }), 'decline');

    const auditor = client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'scn' }));
    const trail = await ok(auditor.get(`/referrals/${r.referralId}/audit?verify=true`), 'trail');
    const byType = (t: string) => trail.records.find((x: any) => x.eventType === t);
    expect(byType('PlacementRequested').payload).toMatchObject({ targetInstitutionId: d.care, offerId });
    expect(byType('OfferViewed')).toMatchObject({ actor: { role: 'CARE_HOME_ADMISSIONS', institution: d.care }, occurredAt: expect.any(String) });
    expect(byType('OfferDeclined')).toMatchObject({ reason: '夜班护士不足', payload: { reason: 'STAFFING', declinedBy: 'PROVIDER' } });
    expect(trail.verification).toMatchObject({ ok: true });

    const viewed = byType('OfferViewed');
    await e.ds.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`);
    await e.ds.query(`UPDATE audit_log SET occurred_at = occurred_at + interval '1 day' WHERE event_id = $1`, [viewed.eventId]);
    await e.ds.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`);
    const again = await ok(auditor.get(`/referrals/${r.referralId}/audit?verify=true`), 'trail');
    expect(again.verification).toMatchObject({ ok: false, firstBreak: { aggregateId: r.referralId, aggregateSeq: viewed.seq, problem: 'HASH_MISMATCH' } });
    const all = await ok(auditor.get('/audit/verify'), 'verify');
    expect(all.ok).toBe(false);
  });
});
