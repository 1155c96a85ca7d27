import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The version guard as an error raised inside the flush statement (issue 14, cost per command).
 *
 * A command's writes are one statement (WriteBatch), and COMMIT is sent behind it without waiting for its
 * answer (pg's pipeline mode): one round trip for both. The guard can then no longer be a count the worker
 * checks after the statement, since the COMMIT would already be on its way. So the statement raises when a
 * guarded UPDATE matched no row: the transaction is aborted, and a COMMIT of an aborted transaction rolls
 * it back. SQLSTATE BL409 (a class of the engine's own) names it; the unit of work answers VERSION_CONFLICT.
 */
export class VersionGuardFunction1735400000000 implements MigrationInterface {
  name = 'VersionGuardFunction1735400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION bedlink_version_conflict(id text) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RAISE EXCEPTION 'record % was changed by someone else; reload and try again', id USING ERRCODE = 'BL409', DETAIL = id;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS bedlink_version_conflict(text)`);
  }
}
