import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An institution's list pages its own referrals (as their origin) newest first in any state
 * (ReferralReads.list, `involvedPageSql`). referrals_origin is (origin, state, updated_at): without
 * a state it cannot give that order, and a hospital's list sorted every referral it ever sent
 * (scripts/sim-city.ts on a year of a city; docs/performance.md).
 */
export class ReferralsOriginUpdated1734900000000 implements MigrationInterface {
  name = 'ReferralsOriginUpdated1734900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX referrals_origin_updated ON referrals (origin_institution_id, updated_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS referrals_origin_updated`);
  }
}
