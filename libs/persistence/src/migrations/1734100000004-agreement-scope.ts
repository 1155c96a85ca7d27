import { MigrationInterface, QueryRunner } from 'typeorm';

/** Cooperation agreements have a validity period and a service scope: an expired one stops routing. */
export class AgreementScope1734100000004 implements MigrationInterface {
  name = 'AgreementScope1734100000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cooperation_agreements ADD COLUMN services text[] NOT NULL DEFAULT '{}';
      ALTER TABLE cooperation_agreements ADD COLUMN valid_from date;
      ALTER TABLE cooperation_agreements ADD COLUMN valid_until date;
      ALTER TABLE cooperation_agreements ADD CONSTRAINT cooperation_agreements_validity CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cooperation_agreements DROP CONSTRAINT IF EXISTS cooperation_agreements_validity;
      ALTER TABLE cooperation_agreements DROP COLUMN IF EXISTS valid_until;
      ALTER TABLE cooperation_agreements DROP COLUMN IF EXISTS valid_from;
      ALTER TABLE cooperation_agreements DROP COLUMN IF EXISTS services;
    `);
  }
}
