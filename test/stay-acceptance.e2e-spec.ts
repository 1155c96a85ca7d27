import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { pick, placePatient } from './support/stays';

jest.setTimeout(180_000);

/**
 * Issue 16's first acceptance story, to the letter: a hospice death ends the stay, and the bed is
 * offered to the next referral (the first on the centre's hospice waiting list) within the same
 * minute, by the engine, with nobody pressing a button. Centre, family doctor and patients are
 * picked at run time.
 */
describe('A hospice death frees the bed for the next referral within the minute', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `hsp${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  it('DECEASED → bed H → the waiting referral is offered that bed, less than 60 s after the death was recorded', async () => {
    const [centre, c] = pick([d.cc1, d.cc1c] as const, [d.cc2, d.cc2c] as const);
    const bedId = (
      await ok(c.post('/beds', { institutionId: centre, kind: 'HOSPICE', ward: '安宁疗护', label: `H${Date.now() % 1e5}`, services: ['HOSPICE'] }), 'bed')
    ).bedId as string;
    const dying = await d.patient(d.planner, { familyDoctorInstitutionId: pick(d.cc1, d.cc2) });
    await placePatient(d, dying, { kind: 'HOSPICE', services: ['HOSPICE'] }, { client: c, institutionId: centre, bedId });

    // the next patient's referral finds the centre's only hospice bed taken: it waits on the centre's list
    const next = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: next,
        requestedKind: 'HOSPICE',
        services: ['HOSPICE'],
        urgency: 'URGENT',
        clinicalSummary: 'end of life care',
        consent: true,
      }),
      'draft',
    );
    const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: centre }] }), 'submit');
    await ok(c.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/waitlist`), 'waitlist');

    // night: the patient dies, the nurse ends the stay
    await ok(c.post(`/patients/${dying}/stay/end`, { reason: 'DECEASED', note: '03:10' }), 'end stay');
    const [{ died }] = await e.ds.query(`SELECT occurred_at AS died FROM audit_log WHERE event_type = 'StayEnded' AND aggregate_id = $1`, [bedId]);
    const view = await eventually(
      () => ok(d.planner.get(`/referrals/${r.referralId}`), 'read'),
      (v: any) => v.offers.some((o: any) => o.targetBedId === bedId && o.state === 'PENDING'),
      60_000,
      200,
    );
    const offer = view.offers.find((o: any) => o.targetBedId === bedId && o.state === 'PENDING');
    const lag = new Date(offer.createdAt).getTime() - new Date(died).getTime();
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60_000);
    // the engine did it (the list's dispatcher), not a person
    const [by] = await e.ds.query(`SELECT actor_role FROM audit_log WHERE event_type = 'WaitingListOffered' AND aggregate_id = $1`, [r.referralId]);
    expect(by.actor_role).toBe('SYSTEM');
    // and once the bed is cleaned the centre accepts it for the next patient
    await ok(c.post(`/beds/${bedId}/status`, { command: 'Clean' }), 'clean');
    await ok(c.post(`/referrals/${r.referralId}/offers/${offer.id}/accept`, { bedId }), 'accept');
  });
});
