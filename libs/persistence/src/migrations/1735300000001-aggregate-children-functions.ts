import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An aggregate's children read by a function the loader calls on the row it has just locked: the lock and
 * the children in one round trip instead of two (issue 14, cost per command).
 *
 * Why a function, and VOLATILE: in one plain statement (`... FOR UPDATE` with child sub-selects) READ
 * COMMITTED re-checks only the locked row after a lock wait; the sub-selects keep the statement's snapshot,
 * so a command that waited behind another saw the new referral with the OLD offers (three concurrent
 * declines left an OFFERED referral with no live offer). A VOLATILE function's statements each take a new
 * snapshot, and the loader calls it from the projection above the lock (`SELECT l.*, f(l.id) FROM (SELECT
 * ... FOR UPDATE) l`), so it runs after the lock is granted and sees what the holder committed. plpgsql: a
 * SQL function could be inlined into the calling statement, and its snapshot with it.
 *
 * The bodies are the statements the adapters ran as their second statement, unchanged.
 */
export class AggregateChildrenFunctions1735300000001 implements MigrationInterface {
  name = 'AggregateChildrenFunctions1735300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION bedlink_referral_children(p uuid) RETURNS json LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RETURN (SELECT json_build_object(
          'offers', (SELECT coalesce(json_agg(o ORDER BY o.rank), '[]') FROM offers o WHERE o.referral_id = p),
          'reservations', (SELECT coalesce(json_agg(x ORDER BY x.created_at), '[]') FROM reservations x WHERE x.referral_id = p),
          'waiting', (SELECT coalesce(json_agg(w ORDER BY w.seq), '[]') FROM waiting_list_entries w WHERE w.referral_id = p),
          'documents', (SELECT coalesce(json_agg(f ORDER BY f.uploaded_at, f.id), '[]') FROM referral_documents f WHERE f.referral_id = p)));
      END $$;

      CREATE FUNCTION bedlink_bed_children(p uuid) RETURNS json LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RETURN (SELECT json_build_object(
          'live_reservation_id', (SELECT x.id FROM reservations x WHERE x.bed_id = p AND x.state = 'HELD' LIMIT 1)));
      END $$;

      CREATE FUNCTION bedlink_programme_children(p uuid) RETURNS json LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RETURN (SELECT json_build_object(
          'live_reservations', (SELECT count(*)::int FROM reservations x WHERE x.programme_id = p AND x.state = 'HELD'),
          'enrolments', (SELECT coalesce(json_agg(e ORDER BY e.started_at), '[]') FROM enrolments e WHERE e.programme_id = p AND e.ended_at IS NULL)));
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS bedlink_referral_children(uuid);
      DROP FUNCTION IF EXISTS bedlink_bed_children(uuid);
      DROP FUNCTION IF EXISTS bedlink_programme_children(uuid);
    `);
  }
}
