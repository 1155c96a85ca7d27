import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys and webhook subscriptions become audited aggregates (version and hash-chain head on the
 * row), and API keys expire. Keys issued before this migration get the default 90 days from now,
 * so none is left valid forever.
 */
export class Credentials1733010000000 implements MigrationInterface {
  name = 'Credentials1733010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
      UPDATE api_keys SET expires_at = now() + interval '90 days';
      ALTER TABLE api_keys ALTER COLUMN expires_at SET NOT NULL;
      ALTER TABLE api_keys ADD COLUMN version int NOT NULL DEFAULT 1, ADD COLUMN chain_seq int NOT NULL DEFAULT 0, ADD COLUMN chain_hash text;
      ALTER TABLE webhook_subscriptions ADD COLUMN version int NOT NULL DEFAULT 1, ADD COLUMN chain_seq int NOT NULL DEFAULT 0, ADD COLUMN chain_hash text;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_subscriptions DROP COLUMN chain_hash, DROP COLUMN chain_seq, DROP COLUMN version;
      ALTER TABLE api_keys DROP COLUMN chain_hash, DROP COLUMN chain_seq, DROP COLUMN version, DROP COLUMN expires_at;
    `);
  }
}
