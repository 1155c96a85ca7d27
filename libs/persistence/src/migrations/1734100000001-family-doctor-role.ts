import { MigrationInterface, QueryRunner } from 'typeorm';

const ROLES_BEFORE = `'DISCHARGE_PLANNER','COMMUNITY_COORDINATOR','CARE_HOME_ADMISSIONS','DISTRICT_COORDINATOR','AUDITOR'`;

/** API keys may act as a family doctor (家庭医生签约 platforms send referrals upward as machine clients). */
export class FamilyDoctorRole1734100000001 implements MigrationInterface {
  name = 'FamilyDoctorRole1734100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN (${ROLES_BEFORE},'FAMILY_DOCTOR'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN (${ROLES_BEFORE}));
    `);
  }
}
