import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The referral's state, updated_at and district beside each live offer, so that a target institution's
 * reads page and count from one index instead of joining every offer it ever accepted to its referral.
 *
 * A community centre keeps every placement it made as an ACCEPTED offer (≈ 3,100 a year in a city), and
 * two reads sorted or filtered them by a column of the referral: the target side of its referral list
 * (ReferralReads.list, newest first) and the FHIR Task search by owner (by state, with a total). On a year
 * of a city they grew with the history (37.5 and 27.5 ms against 5.9 and 4.7 ms a month; docs/performance.md).
 *
 * The district is what a district coordinator's search is scoped by: with it the FHIR total is counted in
 * the index alone. The engine never changes a referral's district; the trigger follows it all the same.
 *
 * The copy is the database's, not the application's: a trigger on referrals writes it to the referral's
 * live offers (PENDING, VIEWED, ACCEPTED: the only ones those reads look at) whenever state, updated_at or
 * district change, and a trigger on offers fills it when an offer is inserted or changes state, reading the
 * referral. So every writer keeps it equal, the unit of work and bulk SQL alike (scripts/sim-city.ts
 * inserts offers straight into the table). An offer that has ended keeps the values of when it ended:
 * offer states are terminal once ended, and refreshing ended offers on every later referral update would
 * rewrite (with every index of offers) rows no read uses — a BROADCAST referral has three offers or more.
 *
 * The backfill is one statement (a hash join of offers to referrals) inside this migration's transaction;
 * the trigger on referrals exists before it runs, so a referral updated meanwhile waits for the commit
 * (CREATE TRIGGER locks referrals against writes) and no offer is left stale.
 */
export class OffersReferralOrder1735100000000 implements MigrationInterface {
  name = 'OffersReferralOrder1735100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE offers ADD COLUMN referral_state text, ADD COLUMN referral_updated_at timestamptz, ADD COLUMN referral_district_id text;

      CREATE FUNCTION offers_referral_copy_fill() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT r.state, r.updated_at, r.district_id INTO NEW.referral_state, NEW.referral_updated_at, NEW.referral_district_id
          FROM referrals r WHERE r.id = NEW.referral_id;
        RETURN NEW;
      END $$;
      CREATE TRIGGER offers_referral_copy_on_insert BEFORE INSERT ON offers
        FOR EACH ROW EXECUTE FUNCTION offers_referral_copy_fill();
      -- a state change is how an offer could (by hand) become live again: it reads the referral then too
      CREATE TRIGGER offers_referral_copy_on_state BEFORE UPDATE OF state, referral_id ON offers
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.referral_id IS DISTINCT FROM NEW.referral_id)
        EXECUTE FUNCTION offers_referral_copy_fill();

      CREATE FUNCTION referrals_copy_to_offers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE offers SET referral_state = NEW.state, referral_updated_at = NEW.updated_at, referral_district_id = NEW.district_id
         WHERE referral_id = NEW.id AND state IN ('PENDING','VIEWED','ACCEPTED')
           AND (referral_state, referral_updated_at, referral_district_id) IS DISTINCT FROM (NEW.state, NEW.updated_at, NEW.district_id);
        RETURN NULL;
      END $$;
      CREATE TRIGGER referrals_copy_to_offers AFTER UPDATE OF state, updated_at, district_id ON referrals
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.updated_at IS DISTINCT FROM NEW.updated_at
                           OR OLD.district_id IS DISTINCT FROM NEW.district_id)
        EXECUTE FUNCTION referrals_copy_to_offers();

      UPDATE offers o SET referral_state = r.state, referral_updated_at = r.updated_at, referral_district_id = r.district_id
        FROM referrals r WHERE r.id = o.referral_id;
      ALTER TABLE offers ALTER COLUMN referral_state SET NOT NULL, ALTER COLUMN referral_updated_at SET NOT NULL,
        ALTER COLUMN referral_district_id SET NOT NULL;

      -- per target, newest first with the referral id as tie-break (the list's page; the FHIR search's page
      -- in its order: updated_at DESC, id ASC); state and district beside it, so the FHIR total and the
      -- list's state filter read the index alone
      CREATE INDEX offers_target_referral_updated ON offers (target_institution_id, referral_updated_at DESC, referral_id)
        INCLUDE (referral_state, referral_district_id) WHERE state IN ('PENDING','VIEWED','ACCEPTED');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS offers_target_referral_updated;
      DROP TRIGGER IF EXISTS referrals_copy_to_offers ON referrals;
      DROP TRIGGER IF EXISTS offers_referral_copy_on_state ON offers;
      DROP TRIGGER IF EXISTS offers_referral_copy_on_insert ON offers;
      DROP FUNCTION IF EXISTS referrals_copy_to_offers();
      DROP FUNCTION IF EXISTS offers_referral_copy_fill();
      ALTER TABLE offers DROP COLUMN IF EXISTS referral_district_id, DROP COLUMN IF EXISTS referral_updated_at,
        DROP COLUMN IF EXISTS referral_state;
    `);
  }
}
