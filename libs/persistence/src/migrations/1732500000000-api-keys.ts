import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys for machine clients (a hospital information system). Only a SHA-256 of the key is
 * stored; the short public prefix finds the row without scanning. Scoped to one role and one
 * institution (or a district for district roles); revoked keys stay for the record.
 */
export class ApiKeys1732500000000 implements MigrationInterface {
  name = 'ApiKeys1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        prefix text NOT NULL UNIQUE,
        key_hash text NOT NULL,
        label text NOT NULL,
        role text NOT NULL CHECK (role IN ('DISCHARGE_PLANNER','COMMUNITY_COORDINATOR','CARE_HOME_ADMISSIONS','DISTRICT_COORDINATOR','AUDITOR')),
        institution_id uuid REFERENCES institutions(id),
        district_id text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_by text,
        last_used_at timestamptz,
        CHECK (role IN ('DISTRICT_COORDINATOR','AUDITOR') OR institution_id IS NOT NULL)
      );
      CREATE INDEX api_keys_district ON api_keys (district_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
  }
}
