import { MigrationInterface, QueryRunner } from 'typeorm';

/** The patient's home (area code and coordinates), encrypted like every identifier: home programmes are matched from it. */
export class PatientHome1734100000003 implements MigrationInterface {
  name = 'PatientHome1734100000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE patients ADD COLUMN home_enc text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE patients DROP COLUMN IF EXISTS home_enc`);
  }
}
