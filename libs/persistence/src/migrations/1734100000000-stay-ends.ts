import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stays that end without a referral (EndStay), for the journey read model: one row per StayEnded
 * event, keyed by the event so a replay writes it once.
 */
export class StayEnds1734100000000 implements MigrationInterface {
  name = 'StayEnds1734100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stay_ends (
        event_id uuid PRIMARY KEY,
        patient_id uuid NOT NULL,
        institution_id uuid NOT NULL,
        kind text NOT NULL,
        bed_id uuid,
        programme_id uuid,
        reason text NOT NULL,
        ended_at timestamptz NOT NULL
      );
      CREATE INDEX stay_ends_patient ON stay_ends (patient_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS stay_ends`);
  }
}
