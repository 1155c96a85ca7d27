import { MigrationInterface, QueryRunner } from 'typeorm';

/** Institutions state their ownership (公立 / 民营), changed like their other facts through UpdateInstitution. */
export class InstitutionOwnership1734100000005 implements MigrationInterface {
  name = 'InstitutionOwnership1734100000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE institutions ADD COLUMN ownership text CHECK (ownership IN ('PUBLIC', 'PRIVATE'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE institutions DROP COLUMN IF EXISTS ownership`);
  }
}
