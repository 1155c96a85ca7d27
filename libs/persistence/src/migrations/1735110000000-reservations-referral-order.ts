import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The referral's state and updated_at beside each HELD or CONSUMED reservation, so that an institution's
 * list pages its holds from one index, as it pages its live offers since migration 1735100000000.
 *
 * Every placement leaves a CONSUMED reservation at the receiving institution (≈ 3,100 a year for a community
 * centre in a city), and the holds branch of the institution list (ReferralReads.list) sorted all of them by
 * the referral's updated_at on every read, joining each to its referral before taking the newest page.
 *
 * The copy is the database's, as for offers: a trigger on referrals writes it to the referral's HELD and
 * CONSUMED reservations (the only ones the list reads) whenever state or updated_at change, and a trigger on
 * reservations fills it when a reservation is inserted or changes state (HELD → CONSUMED on admission, or a
 * repair by hand), reading the referral. A reservation that has ended (RELEASED, EXPIRED) keeps the values of
 * when it ended: no read uses them, and its state is terminal. reservations.referral_id is NOT NULL with a
 * foreign key, so the fill always finds its referral and the columns can be NOT NULL.
 *
 * A second trigger on referrals rather than a rewrite of referrals_copy_to_offers: each migration's `down`
 * drops only what it created. Triggers of one event fire in name order; the two touch different tables.
 *
 * The backfill is one statement (a hash join of reservations to referrals) inside this migration's
 * transaction, after the trigger on referrals exists (CREATE TRIGGER locks referrals against writes until
 * the commit), so no reservation is left stale.
 */
export class ReservationsReferralOrder1735110000000 implements MigrationInterface {
  name = 'ReservationsReferralOrder1735110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE reservations ADD COLUMN referral_state text, ADD COLUMN referral_updated_at timestamptz;

      CREATE FUNCTION reservations_referral_copy_fill() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT r.state, r.updated_at INTO NEW.referral_state, NEW.referral_updated_at FROM referrals r WHERE r.id = NEW.referral_id;
        RETURN NEW;
      END $$;
      CREATE TRIGGER reservations_referral_copy_on_insert BEFORE INSERT ON reservations
        FOR EACH ROW EXECUTE FUNCTION reservations_referral_copy_fill();
      -- a state change is how a reservation is consumed, or (by hand) becomes live again: it reads the referral then too
      CREATE TRIGGER reservations_referral_copy_on_state BEFORE UPDATE OF state, referral_id ON reservations
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.referral_id IS DISTINCT FROM NEW.referral_id)
        EXECUTE FUNCTION reservations_referral_copy_fill();

      CREATE FUNCTION referrals_copy_to_reservations() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE reservations SET referral_state = NEW.state, referral_updated_at = NEW.updated_at
         WHERE referral_id = NEW.id AND state IN ('HELD','CONSUMED')
           AND (referral_state, referral_updated_at) IS DISTINCT FROM (NEW.state, NEW.updated_at);
        RETURN NULL;
      END $$;
      CREATE TRIGGER referrals_copy_to_reservations AFTER UPDATE OF state, updated_at ON referrals
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
        EXECUTE FUNCTION referrals_copy_to_reservations();

      UPDATE reservations x SET referral_state = r.state, referral_updated_at = r.updated_at
        FROM referrals r WHERE r.id = x.referral_id;
      ALTER TABLE reservations ALTER COLUMN referral_state SET NOT NULL, ALTER COLUMN referral_updated_at SET NOT NULL;

      -- per holder, newest first with the referral id as tie-break (the list's holds page); the state beside
      -- it, so the list's state filter reads the index alone
      CREATE INDEX reservations_institution_referral_updated ON reservations (institution_id, referral_updated_at DESC, referral_id)
        INCLUDE (referral_state) WHERE state IN ('HELD','CONSUMED');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS reservations_institution_referral_updated;
      DROP TRIGGER IF EXISTS referrals_copy_to_reservations ON referrals;
      DROP TRIGGER IF EXISTS reservations_referral_copy_on_state ON reservations;
      DROP TRIGGER IF EXISTS reservations_referral_copy_on_insert ON reservations;
      DROP FUNCTION IF EXISTS referrals_copy_to_reservations();
      DROP FUNCTION IF EXISTS reservations_referral_copy_fill();
      ALTER TABLE reservations DROP COLUMN IF EXISTS referral_updated_at, DROP COLUMN IF EXISTS referral_state;
    `);
  }
}
