import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Around the referral: the patient's and family's preferences and the booked transport (one
 * document each on the referral), and the waiting lists of institutions that had no bed.
 * Waiting-list entries are children of the referral (written by its unit of work). `seq` is the
 * list order: positions are counted from it, so two referrals joining at once never share one.
 * The partial unique indexes are the backstop of the two races the dispatcher's lock prevents:
 * a referral on two lists (or offered twice), and one freed bed offered to two referrals.
 */
export class AroundReferral1734400000000 implements MigrationInterface {
  name = 'AroundReferral1734400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE referrals ADD COLUMN preferences jsonb, ADD COLUMN transport jsonb;
      CREATE TABLE waiting_list_entries (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        referral_id uuid NOT NULL REFERENCES referrals(id),
        institution_id uuid NOT NULL REFERENCES institutions(id),
        state text NOT NULL CHECK (state IN ('WAITING', 'OFFERED', 'PLACED', 'REMOVED')),
        added_at timestamptz NOT NULL,
        added_by text NOT NULL,
        offer_id uuid REFERENCES offers(id),
        bed_id uuid REFERENCES beds(id),
        offered_at timestamptz,
        ended_at timestamptz,
        end_reason text,
        CHECK ((state = 'OFFERED') = (offer_id IS NOT NULL AND bed_id IS NOT NULL AND ended_at IS NULL) OR state IN ('PLACED', 'REMOVED'))
      );
      CREATE UNIQUE INDEX waiting_list_one_live_per_referral ON waiting_list_entries (referral_id) WHERE state IN ('WAITING', 'OFFERED');
      CREATE UNIQUE INDEX waiting_list_one_offer_per_bed ON waiting_list_entries (bed_id) WHERE state = 'OFFERED';
      CREATE INDEX waiting_list_by_institution ON waiting_list_entries (institution_id, seq) WHERE state IN ('WAITING', 'OFFERED');
      CREATE INDEX waiting_list_ended ON waiting_list_entries (institution_id, ended_at) WHERE ended_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE waiting_list_entries; ALTER TABLE referrals DROP COLUMN preferences, DROP COLUMN transport;`);
  }
}
