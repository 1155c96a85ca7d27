import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { pick, placePatient } from './support/stays';

jest.setTimeout(180_000);

/**
 * The hospital's own feed in the patient's journey: a direct admission (ADT^A01, never through
 * Bedlink), a move to another bed of the hospital (A02) and a discharge (A03) are stays of the
 * journey like those a referral makes; and a later referral from that bed continues the same line
 * without inventing a second hospital stay. Beds, centres and patients are picked at run time.
 */
describe('ADT admissions in the journey', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let seq = Math.floor(Math.random() * 1_000_000);
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `adtj${Math.floor(Math.random() * 1e6)}`);
  });
  afterAll(() => e?.close());

  const bedRow = async (id: string) => (await e.ds.query(`SELECT id, ward, label, occupant_patient_id FROM beds WHERE id = $1`, [id]))[0];
  async function send(event: string, rid: string, bedId: string, extra: string[] = []) {
    const b = await bedRow(bedId);
    const ctl = `J${++seq}`;
    const body = [
      `MSH|^~\\&|HIS|H1|BEDLINK|${d.district}|20261130101500||ADT^${event}|${ctl}|P|2.5.1`,
      `PID|1||${rid}||王^五||19450101|M`,
      ['PV1', '1', 'I', `${b.ward}^^${b.label}`, ...extra].join('|'),
    ].join('\r');
    const res = await fetch(`${e.baseUrl}/hl7/v2`, {
      method: 'POST',
      headers: { 'content-type': 'x-application/hl7-v2+er7', authorization: `Bearer ${e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district })}` },
      body,
    });
    const msa = (await res.text()).split('\r').find((s) => s.startsWith('MSA|'))!;
    expect(msa.split('|').slice(0, 3)).toEqual(['MSA', 'AA', ctl]);
  }
  const journey = (patientId: string) => ok(d.planner.get(`/patients/${patientId}/journey`), 'journey').then((j) => j.stays as any[]);

  it('A01 (a patient Bedlink never saw), A02 and A03 appear as stays: admitted, moved, discharged home', async () => {
    const rid = residentId(++seq, 'M');
    const [first, second] = pick([d.hospitalBeds[0], d.hospitalBeds[1]], [d.hospitalBeds[1], d.hospitalBeds[0]]);
    await send('A01^ADT_A01', rid, first);
    const patientId = (await bedRow(first)).occupant_patient_id as string;
    expect(patientId).toBeTruthy();
    const admitted = await eventually(
      () => journey(patientId),
      (s) => s.length === 1,
    );
    expect(admitted[0]).toMatchObject({ kind: 'HOSPITAL', institutionId: d.hospital, bedId: first, via: 'DIRECT_ADMISSION', to: null, referralId: null });
    expect(admitted[0].from).toEqual(expect.any(String));

    await send('A02^ADT_A02', rid, second);
    const moved = await eventually(
      () => journey(patientId),
      (s) => s.length === 2,
    );
    expect(moved.map((s) => [s.bedId, s.via])).toEqual([
      [first, 'DIRECT_ADMISSION'],
      [second, 'WARD_TRANSFER'],
    ]);
    expect(moved[0].to).toBe(moved[1].from);
    expect(moved[1].to).toBeNull();

    // A03, reason from PV1-36 (01: discharged home)
    await send('A03^ADT_A03', rid, second, [...Array(32).fill(''), '01']);
    const ended = await eventually(
      () => journey(patientId),
      (s) => s.length === 2 && s[1].to !== null,
    );
    expect(ended[1]).toMatchObject({ bedId: second, endReason: 'DISCHARGED_HOME' });
  });

  it('a directly admitted patient referred on: one hospital stay, then the receiving bed; the family doctor’s centre is told of the admission', async () => {
    const rid = residentId(++seq, 'F');
    const fd = pick(d.cc1, d.cc2);
    const patientId = (await ok(d.planner.post('/patients', { residentId: rid, name: '王五', familyDoctorInstitutionId: fd }), 'patient')).patientId as string;
    // a bed of its own (the first story's beds are in housekeeping)
    const bed = (await ok(d.planner.post('/beds', { institutionId: d.hospital, kind: 'HOSPITAL', ward: 'ED', label: `ED-${++seq}` }), 'bed')).bedId as string;
    await send('A01^ADT_A01', rid, bed);
    const [began] = await e.ds.query(`SELECT payload FROM audit_log WHERE event_type = 'StayBegan' AND payload->>'patientId' = $1`, [patientId]);
    expect(began.payload).toMatchObject({ via: 'DIRECT_ADMISSION', bedId: bed, familyDoctorInstitutionId: fd, involved: [fd] });

    const [cc, c, beds] = pick([d.cc1, d.cc1c, d.cc1Beds] as const, [d.cc2, d.cc2c, d.cc2Beds] as const);
    const target = pick(...beds);
    await placePatient(d, patientId, { kind: 'COMMUNITY', services: ['REHAB'] }, { client: c, institutionId: cc, bedId: target });
    const stays = await eventually(
      () => journey(patientId),
      (s) => s.length === 2 && s[1].to === null && s[0].to !== null,
    );
    expect(stays.map((s) => [s.kind, s.institutionId, s.bedId])).toEqual([
      ['HOSPITAL', d.hospital, bed],
      ['COMMUNITY', cc, target],
    ]);
    expect(stays[0].via).toBe('DIRECT_ADMISSION');
    expect(stays[1].referralId).toEqual(expect.any(String));
  });
});
