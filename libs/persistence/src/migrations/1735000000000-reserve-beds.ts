import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reserve (surge) capacity: a bed its institution keeps out of normal matching until the district
 * coordinator opens it (an epidemic, a mass casualty). `reserve_open` only means something on a
 * reserve bed. The partial index lists the closed reserve beds: the matcher excludes them with a
 * hashed NOT IN over it, as it does return holds, so its probe of beds_free_by_institution stays
 * index-only. The second serves the board's reserve counts.
 */
export class ReserveBeds1735000000000 implements MigrationInterface {
  name = 'ReserveBeds1735000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE beds ADD COLUMN reserve boolean NOT NULL DEFAULT false;
      ALTER TABLE beds ADD COLUMN reserve_open boolean NOT NULL DEFAULT false;
      ALTER TABLE beds ADD CONSTRAINT beds_reserve_open_needs_reserve CHECK (reserve OR NOT reserve_open);
      CREATE INDEX beds_reserve_closed ON beds (id) WHERE reserve AND NOT reserve_open;
      CREATE INDEX beds_reserve_by_institution ON beds (institution_id, kind) WHERE reserve;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS beds_reserve_by_institution;
      DROP INDEX IF EXISTS beds_reserve_closed;
      ALTER TABLE beds DROP CONSTRAINT IF EXISTS beds_reserve_open_needs_reserve;
      ALTER TABLE beds DROP COLUMN IF EXISTS reserve_open;
      ALTER TABLE beds DROP COLUMN IF EXISTS reserve;
    `);
  }
}
