import { MigrationInterface, QueryRunner } from 'typeorm';
import { grantRuntimeRoleSql } from './1733040000001-runtime-role';

/**
 * A checkpoint signs the heads of the chains that moved since the checkpoint before it, one row each here,
 * instead of every chain's head in a JSON column.
 *
 * Measured on a tenth of a city's year (`npm run sim:city`, 60,000 chains, 2 M audit rows): every
 * checkpoint (one each 10 minutes) stored 4.4 MB and took 3.7 s to read every head from the whole log,
 * and the incremental verify took 22.8 s to compare every signed head with the log, a lookup into each
 * monthly partition per chain. At a whole city that is about 6 GB of checkpoints a day and minutes per
 * verify. Now a checkpoint reads and stores only its window, and a chain's signed head is the row of the
 * last checkpoint that names it (primary key: chain, checkpoint).
 *
 * The old checkpoints keep their meaning: each one named every head, and those rows are copied here, so
 * its digest is still the digest of its rows. Append-only like the log, for the runtime role too.
 */
export class AuditCheckpointHeads1735200000000 implements MigrationInterface {
  name = 'AuditCheckpointHeads1735200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_checkpoint_heads (
        aggregate_id uuid NOT NULL,
        -- no foreign key: a TRUNCATE of audit_checkpoints must meet its append-only trigger, not a constraint error
        checkpoint_id bigint NOT NULL,
        aggregate_type text NOT NULL,
        -- the chain's last record at the checkpoint's covering_seq: its aggregate_seq and hash
        aggregate_seq int NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (aggregate_id, checkpoint_id)
      );
      CREATE INDEX audit_checkpoint_heads_checkpoint ON audit_checkpoint_heads (checkpoint_id);
      INSERT INTO audit_checkpoint_heads (aggregate_id, checkpoint_id, aggregate_type, aggregate_seq, hash)
        SELECT h.id, c.id, h.t, h.seq, h.hash FROM audit_checkpoints c CROSS JOIN LATERAL jsonb_to_recordset(c.heads) AS h(t text, id uuid, seq int, hash text);
      ALTER TABLE audit_checkpoints DROP COLUMN heads;
      COMMENT ON COLUMN audit_checkpoints.chains IS 'how many chain heads it signs: those that moved since the checkpoint before (all of them before migration 1735200000000)';
      COMMENT ON COLUMN audit_checkpoints.digest IS 'sha256 over the sorted "type/id/seq/hash" lines of its rows in audit_checkpoint_heads';
      CREATE TRIGGER audit_checkpoint_heads_no_update BEFORE UPDATE OR DELETE ON audit_checkpoint_heads FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_checkpoint_heads_no_truncate BEFORE TRUNCATE ON audit_checkpoint_heads FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    `);
    await q.query(grantRuntimeRoleSql());
  }

  async down(q: QueryRunner): Promise<void> {
    // the column back, filled from the rows (the append-only trigger set aside for this one statement)
    await q.query(`
      ALTER TABLE audit_checkpoints ADD COLUMN heads jsonb NOT NULL DEFAULT '[]';
      ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update;
      UPDATE audit_checkpoints c SET heads = coalesce((SELECT jsonb_agg(jsonb_build_object('t', h.aggregate_type, 'id', h.aggregate_id, 'seq', h.aggregate_seq, 'hash', h.hash))
                                                         FROM audit_checkpoint_heads h WHERE h.checkpoint_id = c.id), '[]');
      ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_update;
      ALTER TABLE audit_checkpoints ALTER COLUMN heads DROP DEFAULT;
      DROP TABLE audit_checkpoint_heads;
    `);
  }
}
