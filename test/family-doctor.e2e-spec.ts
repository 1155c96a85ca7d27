import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';
import { openStream } from './support/sse';
import { pick, placePatient } from './support/stays';

jest.setTimeout(120_000);

/** 家庭医生 (DOMAIN.md "The family doctor"), played over HTTP with the centre and the beds picked at run time. */
describe('The family doctor', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `fd${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  it('is told when a signed resident is admitted and discharged anywhere in the network, and reads their journey; another centre’s doctor is told nothing', async () => {
    const [fdCentre, careClient, careId] = pick([d.cc1, d.cc2c, d.cc2] as const, [d.cc2, d.cc1c, d.cc1] as const);
    // a third centre, with no part in this patient's care
    const otherCentre = (
      await ok(
        d.dc.post('/institutions', {
          code: `CC3-${Date.now() % 1e6}`,
          name: '第三社区卫生服务中心',
          type: 'COMMUNITY_HEALTH_CENTRE',
          districtId: d.district,
          lat: 31.2,
          lng: 121.4,
        }),
        'cc3',
      )
    ).institutionId as string;
    const doctorToken = e.token('FAMILY_DOCTOR', fdCentre, { districtId: d.district, userId: `gp-${Date.now()}` });
    const doctor = client(e.baseUrl, doctorToken);
    const stranger = e.token('FAMILY_DOCTOR', otherCentre, { districtId: d.district, userId: 'gp-other' });
    const mine = await openStream(`${e.baseUrl}/events/stream?access_token=${doctorToken}`);
    const theirs = await openStream(`${e.baseUrl}/events/stream?access_token=${stranger}`);
    try {
      const patientId = await d.patient(d.planner, { familyDoctorInstitutionId: fdCentre });
      const bedId = pick(...(careId === d.cc1 ? d.cc1Beds : d.cc2Beds));
      await placePatient(d, patientId, { kind: 'COMMUNITY', services: ['REHAB'] }, { client: careClient, institutionId: careId, bedId });
      const admitted = await eventually(
        async () => mine.events,
        (evs) => evs.some((x) => x.type === 'PatientAdmitted' && x.payload.patientId === patientId),
      );
      expect(admitted.find((x) => x.type === 'PatientAdmitted').payload).toMatchObject({ institutionId: careId, bedId, familyDoctorInstitutionId: fdCentre });

      await ok(careClient.post(`/patients/${patientId}/stay/end`, { reason: 'DISCHARGED_HOME' }), 'end stay');
      const ended = await eventually(
        async () => mine.events,
        (evs) => evs.some((x) => x.type === 'StayEnded' && x.payload.patientId === patientId),
      );
      expect(ended.find((x) => x.type === 'StayEnded').payload).toMatchObject({ reason: 'DISCHARGED_HOME', bedId, institutionId: careId });

      const journey = await ok(doctor.get(`/patients/${patientId}/journey`), 'journey');
      expect(journey.stays.map((s: any) => s.bedId)).toContain(bedId);
      // the other centre's doctor saw neither and may not read the journey
      expect(theirs.events.filter((x) => x.payload?.patientId === patientId)).toEqual([]);
      expect((await client(e.baseUrl, stranger).get(`/patients/${patientId}/journey`)).status).toBe(404);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it('refers a signed resident upward, but not down or across, and not someone else’s resident', async () => {
    const fdCentre = pick(d.cc1, d.cc2);
    const doctor = client(e.baseUrl, e.token('FAMILY_DOCTOR', fdCentre, { districtId: d.district }));
    const signed = await d.patient(d.planner, { familyDoctorInstitutionId: fdCentre });
    const draft = (patientId: string, requestedKind: string) =>
      doctor.post('/referrals', { patientId, requestedKind, services: [], urgency: 'URGENT', clinicalSummary: 'chest pain at home', consent: true });
    const across = await draft(signed, 'CARE_HOME');
    expect(across.status).toBe(403);
    expect(across.body.code).toBe('DIRECTION_NOT_ALLOWED');
    const unsigned = await d.patient(d.planner);
    expect((await draft(unsigned, 'HOSPITAL')).status).toBe(403);
    const up = await ok(draft(signed, 'HOSPITAL'), 'draft up');
    expect(up.direction).toBe('UPWARD');
    const sub = await ok(doctor.post(`/referrals/${up.referralId}/submit`, { targets: [{ institutionId: d.hospital }] }), 'submit');
    expect(sub.state).toBe('OFFERED');
    // a family doctor manages no beds and answers no offers
    expect((await doctor.post('/beds', { institutionId: fdCentre, kind: 'COMMUNITY', ward: 'x', label: 'x' })).status).toBe(403);
    expect((await doctor.post(`/patients/${signed}/stay/end`, { reason: 'DECEASED' })).status).toBe(403);
  });
});
