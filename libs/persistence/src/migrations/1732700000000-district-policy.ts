import { MigrationInterface, QueryRunner } from 'typeorm';

/** District policy documents, basic-guarantee beds, and return holds kept on the care-home bed. */
export class DistrictPolicy1732700000000 implements MigrationInterface {
  name = 'DistrictPolicy1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE district_policies (
        id uuid PRIMARY KEY,
        district_id text NOT NULL UNIQUE,
        document jsonb NOT NULL,
        version int NOT NULL DEFAULT 0,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE beds ADD COLUMN basic_guarantee boolean NOT NULL DEFAULT false;
      -- a resident referred UPWARD keeps their care-home bed: one hold per bed, by construction of the columns
      ALTER TABLE beds ADD COLUMN return_hold_patient_id uuid REFERENCES patients(id);
      ALTER TABLE beds ADD COLUMN return_hold_until timestamptz;
      ALTER TABLE beds ADD CONSTRAINT beds_return_hold_complete CHECK ((return_hold_patient_id IS NULL) = (return_hold_until IS NULL));
      CREATE INDEX beds_return_hold_until ON beds (return_hold_until) WHERE return_hold_until IS NOT NULL;
      CREATE UNIQUE INDEX beds_one_return_hold_per_patient ON beds (return_hold_patient_id) WHERE return_hold_patient_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS district_policies;
      ALTER TABLE beds DROP COLUMN IF EXISTS return_hold_until, DROP COLUMN IF EXISTS return_hold_patient_id, DROP COLUMN IF EXISTS basic_guarantee;
    `);
  }
}
