import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed checkpoints of the audit chain heads. The signing key lives outside the database, so a
 * rewrite made with full database access (trigger off, hashes and chain heads recomputed) no
 * longer matches the digest a checkpoint signed. Append-only like the log itself.
 */
export class AuditCheckpoints1733040000000 implements MigrationInterface {
  name = 'AuditCheckpoints1733040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_checkpoints (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL,
        -- the highest audit_log.seq seen when the heads were read (rows above it are verified incrementally)
        covering_seq bigint NOT NULL,
        chains int NOT NULL,
        -- sha256 over the sorted "type/id/seq/hash" lines of every chain head, and those heads
        digest text NOT NULL,
        heads jsonb NOT NULL,
        -- the previous checkpoint's signature: deleting one in the middle breaks the chain of checkpoints
        prev_signature text,
        key_id text NOT NULL,
        signature text NOT NULL
      );
      CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS audit_checkpoints`);
  }
}
