import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for reads and duties that run often on a city's data (scripts/sim-city.ts measured them
 * with EXPLAIN on a year of synthetic history; docs/performance.md has the figures):
 * - referrals by district newest first (coordinators' list, FHIR search without a state): the
 *   (district_id, state, updated_at) index cannot give that order without a state;
 * - referrals by patient in any state (patient involvement's HELD-reservation branch has no state filter);
 * - offers by target in any state, reservations by institution: involvement counts ACCEPTED offers
 *   and CONSUMED holds, the live partial indexes do not;
 * - outbox, inbox and command_log by age: the sweeper, Redis-loss recovery and retention pruning;
 * - audit_log by time (BRIN: rows arrive in time order, the index stays tiny; autosummarize, or
 *   ranges written after the last vacuum are scanned whole).
 * No audit_log (actor) index: no query reads by actor yet, and every command would pay for it.
 */
export class CityIndexes1734500000001 implements MigrationInterface {
  name = 'CityIndexes1734500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX referrals_district_updated ON referrals (district_id, updated_at DESC);
      CREATE INDEX referrals_patient ON referrals (patient_id);
      CREATE INDEX offers_target ON offers (target_institution_id, state);
      CREATE INDEX reservations_institution ON reservations (institution_id, state);
      CREATE INDEX outbox_created_at ON outbox (created_at);
      CREATE INDEX inbox_handled_at ON inbox (handled_at);
      CREATE INDEX command_log_created_at ON command_log (created_at);
      CREATE INDEX audit_log_occurred_brin ON audit_log USING brin (occurred_at) WITH (autosummarize = on);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS referrals_district_updated, referrals_patient, offers_target, reservations_institution, outbox_created_at, inbox_handled_at,
        command_log_created_at, audit_log_occurred_brin;
    `);
  }
}
