import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The master patient index: one patient, several care relationships. Each institution that
 * registers the patient (REGISTERED) or receives them through a placement (RECEIVED) holds one.
 * `supplied_enc` is what a later registrant supplied itself (encrypted like the patient's PII):
 * an institution that registered an already-known resident ID sees that, not the shared record.
 */
export class CareRelationships1733020000000 implements MigrationInterface {
  name = 'CareRelationships1733020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE care_relationships (
        id bigserial PRIMARY KEY,
        patient_id uuid NOT NULL REFERENCES patients(id),
        institution_id uuid NOT NULL REFERENCES institutions(id),
        kind text NOT NULL CHECK (kind IN ('REGISTERED', 'REFERRED', 'RECEIVED')),
        shared_record boolean NOT NULL,
        supplied_enc text,
        since timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz
      );
      CREATE UNIQUE INDEX care_relationships_one_active ON care_relationships (patient_id, institution_id, kind) WHERE ended_at IS NULL;
      CREATE INDEX care_relationships_institution ON care_relationships (institution_id) WHERE ended_at IS NULL;
      INSERT INTO care_relationships (patient_id, institution_id, kind, shared_record, since)
        SELECT id, registered_by_institution, 'REGISTERED', true, created_at FROM patients;
      INSERT INTO care_relationships (patient_id, institution_id, kind, shared_record, since)
        SELECT DISTINCT ON (r.patient_id, x.institution_id) r.patient_id, x.institution_id, 'RECEIVED', true, coalesce(x.ended_at, x.created_at)
          FROM reservations x JOIN referrals r ON r.id = x.referral_id
         WHERE x.state = 'CONSUMED' AND x.institution_id IS NOT NULL
         ORDER BY r.patient_id, x.institution_id, coalesce(x.ended_at, x.created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE care_relationships`);
  }
}
