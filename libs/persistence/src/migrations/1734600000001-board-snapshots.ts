import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hourly copies of the bed board (per institution and bed kind), kept 35 days, so the district
 * dashboard can draw occupancy over the last 30 days. One row per hour and cell: a second
 * snapshot in the same hour (two workers, a retried job) changes nothing.
 */
export class BoardSnapshots1734600000001 implements MigrationInterface {
  name = 'BoardSnapshots1734600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE board_snapshots (
        taken_at timestamptz NOT NULL,
        district_id text NOT NULL,
        institution_id uuid NOT NULL,
        kind text NOT NULL,
        total int NOT NULL,
        free int NOT NULL,
        reserved int NOT NULL,
        occupied int NOT NULL,
        cleaning int NOT NULL,
        closed int NOT NULL,
        PRIMARY KEY (taken_at, institution_id, kind)
      );
      CREATE INDEX board_snapshots_district ON board_snapshots (district_id, taken_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE board_snapshots`);
  }
}
