import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions (an institution's endpoints and the event types it wants) and the
 * referral KPI projection read by /metrics. The signing secret is stored encrypted (it must be
 * recovered to sign, so it cannot be hashed); it is shown once, when the subscription is made.
 * The KPI tables are kept by the `kpis` consumer so a scrape reads a handful of rows instead of
 * aggregating the audit log.
 */
export class WebhooksKpis1732650000000 implements MigrationInterface {
  name = 'WebhooksKpis1732650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY,
        institution_id uuid NOT NULL REFERENCES institutions(id),
        url text NOT NULL CHECK (url ~ '^https?://'),
        event_types text[] NOT NULL DEFAULT '{}',
        description text NOT NULL DEFAULT '',
        secret_enc text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX webhook_subscriptions_live ON webhook_subscriptions (institution_id) WHERE active;

      CREATE TABLE kpi_counters (
        name text PRIMARY KEY,
        value double precision NOT NULL DEFAULT 0
      );
      -- time-to-accept histogram: per-bucket (not cumulative) counts; le = 'Infinity' for +Inf
      CREATE TABLE kpi_time_to_accept (
        le double precision PRIMARY KEY,
        n bigint NOT NULL DEFAULT 0
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS kpi_time_to_accept; DROP TABLE IF EXISTS kpi_counters; DROP TABLE IF EXISTS webhook_subscriptions;`);
  }
}
