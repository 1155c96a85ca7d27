import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stays that begin without a referral (StayBegan: a direct admission, HL7 ADT^A01; a move to another
 * bed of the same institution, ADT^A02), for the journey read model: one row per event, keyed by the
 * event so a replay writes it once.
 */
export class DirectStays1735000000001 implements MigrationInterface {
  name = 'DirectStays1735000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE direct_stays (
        event_id uuid PRIMARY KEY,
        patient_id uuid NOT NULL,
        institution_id uuid NOT NULL,
        kind text NOT NULL,
        bed_id uuid NOT NULL,
        from_bed_id uuid,
        via text NOT NULL,
        began_at timestamptz NOT NULL
      );
      CREATE INDEX direct_stays_patient ON direct_stays (patient_id, began_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS direct_stays`);
  }
}
