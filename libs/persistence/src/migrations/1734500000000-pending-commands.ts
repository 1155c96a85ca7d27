import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Commands the API answered 202 for, kept until they are done (their result is in command_log):
 * a Redis failover to a lagging replica may lose the job, never the acknowledgement. The row holds
 * the sealed job exactly as queued, so the sweeper can queue it again under the same id.
 */
export class PendingCommands1734500000000 implements MigrationInterface {
  name = 'PendingCommands1734500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pending_commands (
        id text PRIMARY KEY,
        command_type text NOT NULL,
        job jsonb NOT NULL,
        priority integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX pending_commands_created_at ON pending_commands (created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS pending_commands`);
  }
}
