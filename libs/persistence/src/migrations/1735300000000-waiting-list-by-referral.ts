import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A referral's waiting-list entries by referral, ended ones included.
 *
 * Every command on a referral loads its entries with it (referralAdapter.children: `WHERE referral_id = $1
 * ORDER BY seq`), and the only index on referral_id was the unique one over live entries (WAITING, OFFERED).
 * Ended entries stay for the record, so the load read the whole table on every referral command: seen in the
 * plan while measuring the cost of a command (issue 14), small on a bench, linear in a city's years.
 */
export class WaitingListByReferral1735300000000 implements MigrationInterface {
  name = 'WaitingListByReferral1735300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX waiting_list_referral ON waiting_list_entries (referral_id, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS waiting_list_referral`);
  }
}
