import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in for people: accounts with an Argon2id password hash (an audited aggregate, with version
 * and hash-chain head on the row), console sessions, and the failed-attempt counter per normalised
 * username. The counter is its own table keyed by the name typed, not a column of the account, so
 * an unknown username is throttled and locked exactly like a known one (no enumeration by lockout).
 * Sessions are stored as the SHA-256 of the cookie value only; each carries the actor it acts as,
 * so an OpenID Connect sign-in (no local account) is a session too.
 */
export class UserAccounts1734600000000 implements MigrationInterface {
  name = 'UserAccounts1734600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_accounts (
        id uuid PRIMARY KEY,
        username text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL CHECK (role <> 'SYSTEM'),
        institution_id uuid REFERENCES institutions(id),
        district_id text NOT NULL,
        password_hash text NOT NULL,
        totp_secret_enc text,
        disabled_at timestamptz,
        credentials_changed_at timestamptz NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        version int NOT NULL DEFAULT 1,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        CONSTRAINT user_accounts_username UNIQUE (username)
      );
      CREATE INDEX user_accounts_district ON user_accounts (district_id);

      CREATE TABLE login_throttle (
        username text PRIMARY KEY,
        failures int NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_failure_at timestamptz
      );

      CREATE TABLE user_sessions (
        id_hash text PRIMARY KEY,
        user_account_id uuid REFERENCES user_accounts(id),
        subject text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL,
        institution_id uuid,
        district_id text,
        via text NOT NULL CHECK (via IN ('PASSWORD','OIDC')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
      CREATE INDEX user_sessions_account ON user_sessions (user_account_id);
      CREATE INDEX user_sessions_expiry ON user_sessions (expires_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_sessions; DROP TABLE login_throttle; DROP TABLE user_accounts;`);
  }
}
