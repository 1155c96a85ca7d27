import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';

jest.setTimeout(120_000);

/** HL7 v2 over HTTP: ADT^A03 (discharge) → StartTransfer when a referral waits; a refusal is an AE/AR ACK and no change. */
describe('HL7 v2 ADT^A03 trigger', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let seq = 500;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  /** A patient with an ACCEPTED referral hospital → cc1, through REST. */
  async function acceptedReferral(bed: string) {
    const rid = residentId(++seq, 'M');
    const patientId = (await ok(d.planner.post('/patients', { residentId: rid, name: '李四', phone: '13900139000' }), 'patient')).patientId as string;
    const id = (
      await ok(
        d.planner.post('/referrals', {
          patientId,
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'URGENT',
          clinicalSummary: 'post-op rehab',
          consent: true,
        }),
        'draft',
      )
    ).referralId as string;
    await ok(d.planner.post(`/referrals/${id}/submit`), 'submit');
    const offer = await ok(d.planner.post(`/referrals/${id}/offers`, { targetInstitutionId: d.cc1, targetBedId: bed }), 'offer');
    await ok(d.cc1c.post(`/referrals/${id}/offers/${offer.offerId}/accept`, {}), 'accept');
    return { rid, patientId, id };
  }

  const a03 = (controlId: string, pid3: string, opts: { type?: string } = {}) =>
    [
      `MSH|^~\\&|HIS|H1|BEDLINK|${d.district}|20261123101500||${opts.type ?? 'ADT^A03^ADT_A03'}|${controlId}|P|2.5.1`,
      'EVN|A03|20261123101500',
      `PID|1||${pid3}||李^四||19470315|M`,
      'PV1|1|I|Neuro 5^5-01',
    ].join('\r');

  async function send(body: string, token = e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }), contentType = 'x-application/hl7-v2+er7') {
    const res = await fetch(`${e.baseUrl}/hl7/v2`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, body });
    const text = await res.text();
    const segs = text
      .split('\r')
      .filter(Boolean)
      .map((s) => s.split('|'));
    const msa = segs.find((s) => s[0] === 'MSA');
    return { status: res.status, type: res.headers.get('content-type'), text, msh: segs[0], msa, err: segs.find((s) => s[0] === 'ERR') };
  }

  const snapshot = async () =>
    (
      await e.ds
        .query(`SELECT (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM outbox)::int AS outbox, (SELECT count(*) FROM command_log WHERE ok)::int AS commands,
         (SELECT string_agg(id || ':' || state || ':' || version, ',' ORDER BY id) FROM referrals) AS referrals,
         (SELECT string_agg(id || ':' || status || ':' || version, ',' ORDER BY id) FROM beds) AS beds,
         (SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM reservations) AS reservations`)
    )[0];

  it('ADT^A03 with the resident ID in PID-3 starts the transfer and answers AA echoing MSH-10; a retransmission acts once', async () => {
    const r = await acceptedReferral(d.cc1Beds[0]);
    const ack = await send(a03('MSG-0001', `${r.rid}^^^CN-RID^NNCHN~H-99812^^^HIS^MR`));
    expect(ack.status).toBe(200);
    expect(ack.type).toMatch(/^x-application\/hl7-v2\+er7/);
    expect(ack.msh.slice(0, 6)).toEqual(['MSH', '^~\\&', 'BEDLINK', d.district, 'HIS', 'H1']);
    expect(ack.msh[8]).toBe('ACK^A03^ACK');
    expect(ack.msa!.slice(0, 3)).toEqual(['MSA', 'AA', 'MSG-0001']);
    expect(ack.err).toBeUndefined();
    const view = await ok(d.planner.get(`/referrals/${r.id}`), 'read');
    expect(view.state).toBe('IN_TRANSFER');
    expect(view.history.at(-1)).toMatchObject({ event: 'TransferStarted', role: 'DISCHARGE_PLANNER', institution: d.hospital });

    const again = await send(a03('MSG-0001', `${r.rid}^^^CN-RID^NNCHN~H-99812^^^HIS^MR`));
    expect(again.msa!.slice(0, 3)).toEqual(['MSA', 'AA', 'MSG-0001']);
    // the same control id for another message is not a retransmission: refused, nothing done
    const reused = await send(a03('MSG-0001', r.rid));
    expect(reused.msa!.slice(0, 3)).toEqual(['MSA', 'AE', 'MSG-0001']);
    expect(reused.err![3]).toMatch(/^205\^/);
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1 AND event_type = 'TransferStarted'`, [r.id]);
    expect(n).toBe(1);
  });

  it('PID-3 may carry the patient uuid instead; text/plain is accepted too', async () => {
    const r = await acceptedReferral(d.cc1Beds[1]);
    const ack = await send(a03('MSG-0002', r.patientId), undefined, 'text/plain');
    expect(ack.type).toMatch(/^text\/plain/);
    expect(ack.msa!.slice(0, 3)).toEqual(['MSA', 'AA', 'MSG-0002']);
    expect((await ok(d.planner.get(`/referrals/${r.id}`), 'read')).state).toBe('IN_TRANSFER');
  });

  it('malformed, unsupported or unmatched messages get AR/AE and change nothing', async () => {
    const r = await acceptedReferral(d.cc1Beds[2]);
    const before = await snapshot();
    const cases: Array<[string, Promise<Awaited<ReturnType<typeof send>>>, string, string | undefined, string]> = [
      ['not HL7 at all', send('hello, this is not HL7'), 'AR', undefined, '100'],
      ['MSH without control id', send(a03('', r.rid)), 'AR', undefined, '101'],
      ['another message type', send(a03('MSG-1003', r.rid, { type: 'ORU^R01' })), 'AR', 'MSG-1003', '200'],
      ['another ADT event', send(a03('MSG-1004', r.rid, { type: 'ADT^A04' })), 'AR', 'MSG-1004', '201'],
      ['no PID', send(`MSH|^~\\&|HIS|H1|BEDLINK|D1|20261123||ADT^A03|MSG-1005|P|2.5.1\rEVN|A03|20261123`), 'AR', 'MSG-1005', '100'],
      ['empty PID-3', send(a03('MSG-1006', '')), 'AR', 'MSG-1006', '101'],
      ['unknown patient', send(a03('MSG-1007', residentId(9999))), 'AE', 'MSG-1007', '204'],
      [
        'another institution discharging',
        send(a03('MSG-1008', r.rid), e.token('COMMUNITY_COORDINATOR', d.cc2, { districtId: d.district })),
        'AE',
        'MSG-1008',
        '204',
      ],
      ['a JSON body', send(JSON.stringify({ msh: 'ADT^A03' }), undefined, 'application/json'), 'AR', undefined, '100'],
    ];
    for (const [what, p, code, ctl, hl7Code] of cases) {
      const ack = await p;
      expect({ what, status: ack.status, msa: ack.msa?.[1], ctl: ack.msa?.[2] || undefined, err: ack.err?.[3]?.split('^')[0] }).toEqual({
        what,
        status: 200,
        msa: code,
        ctl,
        err: hl7Code,
      });
    }
    // the state refuses it too: a referral not ACCEPTED is not found for discharge
    const drafted = (
      await ok(
        d.planner.post('/referrals', {
          patientId: (await ok(d.planner.post('/patients', { residentId: residentId(777, 'M'), name: 'x' }), 'p')).patientId,
          requestedKind: 'COMMUNITY',
          services: [],
          urgency: 'ROUTINE',
          clinicalSummary: 'x',
          consent: true,
        }),
        'draft',
      )
    ).referralId;
    const mid = await snapshot();
    const notAccepted = await send(a03('MSG-1009', residentId(777, 'M')));
    expect(notAccepted.msa!.slice(0, 3)).toEqual(['MSA', 'AE', 'MSG-1009']);
    expect(await snapshot()).toEqual(mid);
    expect((await ok(d.planner.get(`/referrals/${drafted}`), 'read')).state).toBe('DRAFT');

    expect(before.referrals).toContain(`${r.id}:ACCEPTED`);
    expect((await ok(d.planner.get(`/referrals/${r.id}`), 'read')).state).toBe('ACCEPTED');
    const after = await snapshot();
    // only the drafted referral (and its patient) were added in between, through REST
    expect(after.audit).toBe(before.audit + 2);
    expect(after.commands).toBe(before.commands + 2);
    expect(after.outbox).toBe(before.outbox + 2);
    expect(after.beds).toBe(before.beds);
    expect(after.reservations).toBe(before.reservations);
  });

  it('ADT^A01 at the receiving centre for a patient in transfer to that bed is the arrival: ConfirmAdmission', async () => {
    const loc = { ward: 'Rehab 9', label: `9-${++seq}` };
    const bedId = (await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', services: ['REHAB'], ...loc }), 'bed')).bedId as string;
    const r = await acceptedReferral(bedId);
    expect((await send(a03('MSG-2001', r.rid))).msa![1]).toBe('AA'); // the hospital discharges: IN_TRANSFER
    const cc1Token = e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district });
    const a01 = (bed: string, ctl: string) =>
      [
        `MSH|^~\\&|HIS|CC1|BEDLINK|${d.district}|20261123120000||ADT^A01^ADT_A01|${ctl}|P|2.5.1`,
        'EVN|A01|20261123120000',
        `PID|1||${r.rid}||李^四`,
        `PV1|1|I|${bed}`,
      ].join('\r');
    // another bed than the one held for the patient: refused, with the reason
    const wrong = await send(a01('Rehab 2^^2-02', 'MSG-2002'), cc1Token);
    expect(wrong.msa!.slice(0, 2)).toEqual(['MSA', 'AE']);
    const right = await send(a01(`${loc.ward}^^${loc.label}`, 'MSG-2003'), cc1Token);
    expect(right.msa!.slice(0, 3)).toEqual(['MSA', 'AA', 'MSG-2003']);
    expect((await ok(d.planner.get(`/referrals/${r.id}`), 'read')).state).toBe('COMPLETED');
  });

  it('ADT^A03 with no referral waiting ends the stay, the reason from PV1-36 (20: deceased)', async () => {
    const rid = residentId(++seq, 'F');
    const ccToken = e.token('COMMUNITY_COORDINATOR', d.cc2, { districtId: d.district });
    const bed = (await ok(d.cc2c.get(`/beds?institutionId=${d.cc2}`), 'beds'))[0] as { id: string; ward: string; label: string };
    const msg = (type: string, ctl: string, pv1: string) =>
      [`MSH|^~\\&|HIS|CC2|BEDLINK|${d.district}|20261123120000||ADT^${type}|${ctl}|P|2.5.1`, `PID|1||${rid}||赵^六||19400101|F`, pv1].join('\r');
    expect((await send(msg('A01', 'MSG-3001', `PV1|1|I|${bed.ward}^^${bed.label}`), ccToken)).msa![1]).toBe('AA');
    const pv1 = ['PV1', '1', 'I', `${bed.ward}^^${bed.label}`, ...Array(32).fill(''), '20'].join('|');
    const ack = await send(msg('A03', 'MSG-3002', pv1), ccToken);
    expect(ack.msa!.slice(0, 3)).toEqual(['MSA', 'AA', 'MSG-3002']);
    const [row] = await e.ds.query(`SELECT status, occupant_patient_id FROM beds WHERE id = $1`, [bed.id]);
    expect(row).toEqual({ status: 'H', occupant_patient_id: null });
    const [ended] = await e.ds.query(`SELECT payload->>'reason' AS reason FROM audit_log WHERE event_type = 'StayEnded' AND aggregate_id = $1`, [bed.id]);
    expect(ended).toEqual({ reason: 'DECEASED' });
  });

  it('a discharge refused for an unknown patient is refused again on retransmission, even after the patient was admitted', async () => {
    const rid = residentId(++seq, 'M');
    const ccToken = e.token('COMMUNITY_COORDINATOR', d.cc2, { districtId: d.district });
    const loc = { ward: 'Retrans', label: `R-${++seq}` };
    const bedId = (await ok(d.cc2c.post('/beds', { institutionId: d.cc2, kind: 'COMMUNITY', services: ['REHAB'], ...loc }), 'bed')).bedId as string;
    const msg = (type: string, ctl: string) =>
      [
        `MSH|^~\\&|HIS|CC2|BEDLINK|${d.district}|20261123130000||ADT^${type}|${ctl}|P|2.5.1`,
        `PID|1||${rid}||钱^七||19450101|M`,
        `PV1|1|I|${loc.ward}^^${loc.label}`,
      ].join('\r');
    const ctl = `MSG-RT-${seq}`;
    // the HIS sends the discharge before the admission reached Bedlink: nobody to discharge
    const first = await send(msg('A03', ctl), ccToken);
    expect([first.msa![1], first.err?.[3]?.split('^')[0]]).toEqual(['AE', '204']);
    expect((await send(msg('A01', `${ctl}-A01`), ccToken)).msa![1]).toBe('AA');
    // its ACK was lost, the HIS resends the same message: the first answer again, and the stay goes on
    const again = await send(msg('A03', ctl), ccToken);
    expect([again.msa![1], again.msa![2], again.err?.[3]?.split('^')[0]]).toEqual(['AE', ctl, '204']);
    const [row] = await e.ds.query(`SELECT occupant_patient_id IS NOT NULL AS occupied FROM beds WHERE id = $1`, [bedId]);
    expect(row).toEqual({ occupied: true });
    // a new discharge (a new control id) is a new message and acts
    expect((await send(msg('A03', `${ctl}-2`), ccToken)).msa![1]).toBe('AA');
    const [after] = await e.ds.query(`SELECT occupant_patient_id IS NOT NULL AS occupied FROM beds WHERE id = $1`, [bedId]);
    expect(after).toEqual({ occupied: false });
  });

  it('without a bearer token the endpoint answers 401 like the rest of the API', async () => {
    const res = await fetch(`${e.baseUrl}/hl7/v2`, { method: 'POST', headers: { 'content-type': 'x-application/hl7-v2+er7' }, body: 'MSH|^~\\&|A' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
