import { Patient } from '@bedlink/domain';
import { PiiCipher } from '../pii-cipher';
import { AggregateAdapter, Row } from './adapter';
import { insertRows, table } from './table';

const PATIENTS = table(
  'patients',
  [
    'id',
    'resident_id_hash',
    'resident_id_enc',
    'name_enc',
    'phone_enc',
    'sex',
    'birth_date',
    'registered_by_institution',
    'assessment',
    'hardship',
    'family_doctor_institution_id',
    'home_enc',
    'version',
    'chain_seq',
    'chain_hash',
    'created_at',
    'updated_at',
  ],
  ['assessment', 'hardship', 'chain_seq', 'chain_hash', 'updated_at'],
);
const CARE_RELATIONSHIPS = table('care_relationships', ['patient_id', 'institution_id', 'kind', 'shared_record', 'supplied_enc', 'since']);

export function rowToPatient(p: Row, cipher: PiiCipher): Patient {
  return Patient.rehydrate(
    {
      id: p.id,
      residentId: cipher.decrypt(p.resident_id_enc),
      name: cipher.decrypt(p.name_enc),
      phone: p.phone_enc ? cipher.decrypt(p.phone_enc) : null,
      sex: p.sex,
      birthDate: typeof p.birth_date === 'string' ? p.birth_date : (p.birth_date as Date).toISOString().slice(0, 10),
      registeredBy: p.registered_by_institution,
      assessment: p.assessment,
      hardship: p.hardship,
      familyDoctorInstitutionId: p.family_doctor_institution_id ?? null,
      home: p.home_enc ? JSON.parse(cipher.decrypt(p.home_enc)) : null,
    },
    p.version,
  );
}

export const patientAdapter: AggregateAdapter<Patient> = {
  table: PATIENTS,
  tables: [PATIENTS, CARE_RELATIONSHIPS],
  notFound: { code: 'PATIENT_NOT_FOUND', what: 'patient' },
  lock: true,
  fromRow: rowToPatient,
  async insert(a, s) {
    const p = a.props;
    const c = s.cipher;
    await insertRows(s.q, PATIENTS, [
      {
        id: p.id,
        resident_id_hash: c.blindIndex(p.residentId),
        resident_id_enc: c.encrypt(p.residentId),
        name_enc: c.encrypt(p.name),
        phone_enc: p.phone ? c.encrypt(p.phone) : null,
        sex: p.sex,
        birth_date: p.birthDate,
        registered_by_institution: p.registeredBy,
        assessment: p.assessment ? JSON.stringify(p.assessment) : null,
        hardship: p.hardship,
        family_doctor_institution_id: p.familyDoctorInstitutionId ?? null,
        home_enc: p.home ? c.encrypt(JSON.stringify(p.home)) : null,
        version: 1,
        ...s.chain,
        created_at: s.now,
        updated_at: s.now,
      },
    ]);
  },
  async update(a, s) {
    const p = a.props;
    await s.update(PATIENTS, p.id, a.version, {
      assessment: p.assessment ? JSON.stringify(p.assessment) : null,
      hardship: p.hardship,
      ...s.chain,
      updated_at: s.now,
    });
  },
  // The patient's care relationships (master patient index): what the caller supplied is PII, encrypted like the rest.
  async saveChildren(a, s) {
    await insertRows(
      s.q,
      CARE_RELATIONSHIPS,
      a.takeNewRelationships().map((rel) => ({
        patient_id: a.id,
        institution_id: rel.institutionId,
        kind: rel.kind,
        shared_record: rel.sharedRecord,
        supplied_enc: rel.supplied ? s.cipher.encrypt(JSON.stringify(rel.supplied)) : null,
        since: s.now,
      })),
      'ON CONFLICT (patient_id, institution_id, kind) WHERE ended_at IS NULL DO NOTHING',
    );
  },
};
