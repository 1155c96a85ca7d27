import { MigrationInterface, QueryRunner } from 'typeorm';

/** The login role the API, the worker and the scripts run as (DATABASE_URL); migrations run as the owner. */
export const RUNTIME_ROLE = 'bedlink_app';

/**
 * The engine's statement timeout: what its pools ask for when they connect (data-source.ts), and what the
 * runtime role carries itself for connections lent by a pooler that does not pass that request on.
 */
export const STATEMENT_TIMEOUT_MS = 15_000;
/** The role's setting, as given to ALTER ROLE and as pg_db_role_setting then stores it. */
const ROLE_TIMEOUT = `${STATEMENT_TIMEOUT_MS}ms`;

/**
 * The runtime role: everything the engine needs on every table, but only INSERT and SELECT on the
 * audit log and its checkpoints. Not the owner, so it cannot disable the append-only triggers,
 * grant itself more or drop anything; the owner's credentials stay with whoever migrates.
 *
 * Roles are cluster-wide while migrations run per database, possibly several at once (test
 * templates, parallel deployments): creation is idempotent and a lost CREATE ROLE race is
 * ignored. An owner without CREATEROLE (some managed services) skips creation with a notice; the
 * administrator creates the role, and the grants below apply on the next run of this migration's
 * grants (re-runnable: see scripts/migrate.ts, which re-applies them).
 */
export class RuntimeRole1733040000001 implements MigrationInterface {
  name = 'RuntimeRole1733040000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN
          BEGIN
            CREATE ROLE ${RUNTIME_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
          EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL; -- another database's migration created it meanwhile
            WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role ${RUNTIME_ROLE}: create it as an administrator';
          END;
        END IF;
      END $$;
    `);
    await q.query(grantRuntimeRoleSql());
  }

  async down(q: QueryRunner): Promise<void> {
    // the role is shared by every database of the cluster: only this database's grants go
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN
          ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${RUNTIME_ROLE};
          ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${RUNTIME_ROLE};
          REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${RUNTIME_ROLE};
          REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${RUNTIME_ROLE};
          REVOKE ALL ON SCHEMA public FROM ${RUNTIME_ROLE};
        END IF;
      END $$;
    `);
  }
}

/**
 * The grants, idempotent: applied by the migration and again after every migration run, so
 * tables added later get them too (default privileges cover tables the same owner creates).
 */
export function grantRuntimeRoleSql(): string {
  return `
    DO $$
    DECLARE
      part text;
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${RUNTIME_ROLE}', current_database());
        GRANT USAGE ON SCHEMA public TO ${RUNTIME_ROLE};
        GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO ${RUNTIME_ROLE};
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${RUNTIME_ROLE};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO ${RUNTIME_ROLE};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${RUNTIME_ROLE};
        -- the trail: append and read, nothing else
        REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log, audit_checkpoints FROM ${RUNTIME_ROLE};
        REVOKE UPDATE ON SEQUENCE audit_log_seq_seq, audit_checkpoints_id_seq FROM ${RUNTIME_ROLE};
        -- monthly partitions (a later migration) and the archive records: the same, table by table
        IF to_regclass('public.audit_archives') IS NOT NULL THEN
          REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_archives FROM ${RUNTIME_ROLE};
        END IF;
        IF to_regclass('public.audit_checkpoint_heads') IS NOT NULL THEN
          REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_checkpoint_heads FROM ${RUNTIME_ROLE};
        END IF;
        FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public.audit_log'::regclass LOOP
          EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON %I FROM ${RUNTIME_ROLE}', part);
        END LOOP;
        -- the migration history belongs to the owner
        IF to_regclass('public.migrations') IS NOT NULL THEN
          REVOKE ALL ON migrations FROM ${RUNTIME_ROLE};
          GRANT SELECT ON migrations TO ${RUNTIME_ROLE};
        END IF;
        -- The engine asks for its statement timeout when it connects; a pooler in transaction mode (PgBouncer)
        -- passes no such setting on, and its server connections keep the role's. Cluster-wide, like the role.
        IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                        WHERE r.rolname = '${RUNTIME_ROLE}' AND s.setdatabase = 0 AND 'statement_timeout=${ROLE_TIMEOUT}' = ANY (s.setconfig)) THEN
          BEGIN
            ALTER ROLE ${RUNTIME_ROLE} SET statement_timeout = '${ROLE_TIMEOUT}';
          EXCEPTION
            WHEN insufficient_privilege THEN
              RAISE NOTICE 'cannot set the statement timeout of role ${RUNTIME_ROLE}: as an administrator, ALTER ROLE ${RUNTIME_ROLE} SET statement_timeout = ''${ROLE_TIMEOUT}''';
            WHEN internal_error THEN NULL; -- "tuple concurrently updated": another database's migration set it meanwhile
          END;
        END IF;
      END IF;
    END $$;
  `;
}
