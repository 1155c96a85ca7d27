import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 两床融合 (two-bed integration): a resident may be on a home sickbed programme and a home
 * elderly-care programme at once. The database allowed one active enrolment per patient; it now
 * allows one per patient and home-bed kind, so the enrolment carries its programme's kind.
 */
export class TwoBedIntegration1734100000002 implements MigrationInterface {
  name = 'TwoBedIntegration1734100000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE enrolments ADD COLUMN kind text;
      UPDATE enrolments e SET kind = p.kind FROM home_programmes p WHERE p.id = e.programme_id;
      ALTER TABLE enrolments ALTER COLUMN kind SET NOT NULL;
      ALTER TABLE enrolments ADD CONSTRAINT enrolments_home_kind CHECK (kind IN ('HOME_SICKBED', 'HOME_CARE'));
      DROP INDEX IF EXISTS enrolments_one_active_per_patient;
      CREATE UNIQUE INDEX enrolments_one_active_per_patient_kind ON enrolments (patient_id, kind) WHERE ended_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS enrolments_one_active_per_patient_kind;
      CREATE UNIQUE INDEX enrolments_one_active_per_patient ON enrolments (patient_id) WHERE ended_at IS NULL;
      ALTER TABLE enrolments DROP CONSTRAINT IF EXISTS enrolments_home_kind;
      ALTER TABLE enrolments DROP COLUMN IF EXISTS kind;
    `);
  }
}
