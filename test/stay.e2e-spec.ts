import { randomUUID } from 'node:crypto';

import { applyJourney, journeyOf } from '@bedlink/persistence';

import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';

jest.setTimeout(120_000);

type District = Awaited<ReturnType<typeof smallDistrict>>;

/** Draft, submit to one named bed, accept, discharge, admit: the patient ends up in `bedId`. */
async function placeInBed(
  d: District,
  patientId: string,
  kind: string,
  services: string[],
  to: { client: District['cc1c']; institutionId: string; bedId: string },
) {
  const r = await ok(
    d.planner.post('/referrals', { patientId, requestedKind: kind, services, urgency: 'URGENT', clinicalSummary: 'placement', consent: true }),
    'draft',
  );
  const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: to.institutionId, bedId: to.bedId }] }), 'submit');
  await ok(to.client.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/accept`, { bedId: to.bedId }), 'accept');
  await ok(d.planner.post(`/referrals/${r.referralId}/start-transfer`), 'transfer');
  await ok(to.client.post(`/referrals/${r.referralId}/confirm-admission`), 'admit');
  return r.referralId as string;
}

/** EndStay, played over HTTP: SCENARIOS no. 7 and the refusals a stranger would try first. */
describe('The whole stay: EndStay', () => {
  let e: Engine;
  let d: District;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `stay${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  it('7. A death in hospice: the nurse ends the stay, the bed goes to housekeeping, the family doctor’s centre is told, the journey closes, and the cleaned bed is offered to the next referral', async () => {
    const [hospiceCentre, hospiceClient, familyDoctorCentre] = Math.random() < 0.5 ? [d.cc1, d.cc1c, d.cc2] : [d.cc2, d.cc2c, d.cc1];
    const bedId = (
      await ok(
        hospiceClient.post('/beds', { institutionId: hospiceCentre, kind: 'HOSPICE', ward: '安宁疗护', label: `A${Date.now() % 1000}`, services: ['HOSPICE'] }),
        'bed',
      )
    ).bedId as string;
    const patientId = await d.patient(d.planner, { familyDoctorInstitutionId: familyDoctorCentre });
    const referralId = await placeInBed(d, patientId, 'HOSPICE', ['HOSPICE'], { client: hospiceClient, institutionId: hospiceCentre, bedId });

    // another institution (the hospital that sent the patient) may not end the stay, nor may the family doctor's centre
    expect((await d.planner.post(`/patients/${patientId}/stay/end`, { reason: 'DECEASED' })).body.code).toBe('FORBIDDEN');
    const fdClient = familyDoctorCentre === d.cc1 ? d.cc1c : d.cc2c;
    expect((await fdClient.post(`/patients/${patientId}/stay/end`, { reason: 'DECEASED' })).status).toBe(403);
    // a hostile body: unknown reason, unknown fields
    expect((await hospiceClient.post(`/patients/${patientId}/stay/end`, { reason: 'VANISHED' })).status).toBe(400);
    expect((await hospiceClient.post(`/patients/${patientId}/stay/end`, { reason: 'DECEASED', bedStatus: 'U' })).status).toBe(400);
    expect((await hospiceClient.post(`/patients/${patientId}/stay/end`, { reason: 'ENROLMENT_ENDED' })).body.code).toBe('VALIDATION_FAILED');

    const ended = await ok(hospiceClient.post(`/patients/${patientId}/stay/end`, { reason: 'DECEASED', note: '02:40 死亡' }), 'end stay');
    expect(ended).toMatchObject({ bedId, bedStatus: 'H', reason: 'DECEASED' });
    // ending it twice: there is no stay left
    expect((await hospiceClient.post(`/patients/${patientId}/stay/end`, { reason: 'DECEASED', bedId })).body.code).toBe('STAY_NOT_FOUND');

    const [ev] = await e.ds.query(`SELECT payload, reason FROM audit_log WHERE aggregate_id = $1 AND event_type = 'StayEnded'`, [bedId]);
    expect(ev.payload).toMatchObject({
      patientId,
      institutionId: hospiceCentre,
      kind: 'HOSPICE',
      reason: 'DECEASED',
      familyDoctorInstitutionId: familyDoctorCentre,
    });
    expect(ev.payload.involved).toEqual([familyDoctorCentre]);
    expect(ev.reason).toBe('02:40 死亡');

    // Projection jobs run side by side, so StayEnded may land before PatientAdmitted: until both have,
    // the journey shows an ended stay with no start. Wait for the stay the referral began to be closed.
    const journey = await eventually(
      () => d.planner.get(`/patients/${patientId}/journey`),
      (j) => j.status === 200 && j.body.stays.some((s: any) => s.endReason === 'DECEASED' && s.referralId === referralId),
    );
    const last = journey.body.stays[journey.body.stays.length - 1];
    expect(last).toMatchObject({ kind: 'HOSPICE', institutionId: hospiceCentre, bedId, referralId, endReason: 'DECEASED' });
    expect(last.to).not.toBeNull();
    await eventually(
      () => d.dc.get('/bed-board'),
      (b) => b.body.some((row: any) => row.institutionId === hospiceCentre && row.kind === 'HOSPICE' && row.occupied === 0),
    );

    // in the morning the bed is cleaned and the next hospice referral is offered it at once (AUTO dispatch)
    await ok(hospiceClient.post(`/beds/${bedId}/status`, { command: 'Clean' }), 'clean');
    const next = await d.patient();
    const r2 = await ok(
      d.planner.post('/referrals', {
        patientId: next,
        requestedKind: 'HOSPICE',
        services: ['HOSPICE'],
        urgency: 'URGENT',
        clinicalSummary: 'comfort care',
        consent: true,
        dispatch: 'AUTO',
      }),
      'draft',
    );
    const sub = await ok(d.planner.post(`/referrals/${r2.referralId}/submit`), 'submit');
    expect(sub.offers.map((o: any) => o.targetBedId)).toContain(bedId);
  });

  it('the journey comes out the same whatever order its events are projected in, and when one is delivered twice', async () => {
    // CI once read an ended stay with no start: StayEnded had been projected before PatientAdmitted.
    const [hospital, hospice, bedId] = [randomUUID(), randomUUID(), randomUUID()];
    const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 2, 40, s)).toISOString();
    const events = (patientId: string, referralId: string): Array<[string, Record<string, unknown>, string, string]> => [
      ['TransferStarted', { referralId, patientId, originKind: 'MEDICAL', originInstitutionId: hospital }, at(0), randomUUID()],
      [
        'PatientAdmitted',
        { referralId, patientId, originKind: 'MEDICAL', originInstitutionId: hospital, kind: 'HOSPICE', institutionId: hospice, bedId },
        at(1),
        randomUUID(),
      ],
      ['StayEnded', { patientId, institutionId: hospice, kind: 'HOSPICE', bedId, reason: 'DECEASED' }, at(2), randomUUID()],
    ];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
      [2, 2, 1, 0, 1],
    ];
    const journeys = [];
    for (const order of orders) {
      // a patient and a referral of its own for each order: the read model keys moves by referral
      const [patientId, referralId] = [randomUUID(), randomUUID()];
      const evs = events(patientId, referralId);
      for (const i of order) await applyJourney(e.ds.manager, ...evs[i]);
      const stays = await journeyOf(e.ds.manager, patientId);
      journeys.push(stays.map((st) => ({ ...st, referralId: st.referralId && (st.referralId === referralId ? 'the referral' : st.referralId) })));
    }
    expect(journeys[0]).toEqual([
      { seq: 1, kind: 'MEDICAL', institutionId: hospital, bedId: null, programmeId: null, from: null, to: at(0), referralId: null },
      { seq: 2, kind: 'HOSPICE', institutionId: hospice, bedId, programmeId: null, from: at(1), to: at(2), referralId: 'the referral', endReason: 'DECEASED' },
    ]);
    for (const j of journeys) expect(j).toEqual(journeys[0]);
  });

  it('a home enrolment ends (ENROLMENT_ENDED): the slot is free again, and only the programme’s institution may end it', async () => {
    const prog = await ok(
      d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: `home ${Date.now()}`, capacity: 1, services: ['REHAB'], radiusKm: 50 }),
      'programme',
    );
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'HOME_SICKBED',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'home',
        consent: true,
      }),
      'draft',
    );
    const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc1, programmeId: prog.programmeId }] }), 'submit');
    await ok(d.cc1c.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/accept`, { programmeId: prog.programmeId }), 'accept');
    await ok(d.planner.post(`/referrals/${r.referralId}/start-transfer`), 'transfer');
    await ok(d.cc1c.post(`/referrals/${r.referralId}/confirm-admission`), 'admit');
    expect((await d.cc2c.post(`/patients/${patientId}/stay/end`, { reason: 'ENROLMENT_ENDED', programmeId: prog.programmeId })).status).toBe(403);
    const ended = await ok(d.cc1c.post(`/patients/${patientId}/stay/end`, { reason: 'ENROLMENT_ENDED' }), 'end enrolment');
    expect(ended).toMatchObject({ programmeId: prog.programmeId, bedId: null });
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM enrolments WHERE programme_id = $1 AND ended_at IS NULL`, [prog.programmeId]);
    expect(n).toBe(0);
  });
});
