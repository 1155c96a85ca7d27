import { MigrationInterface, QueryRunner } from 'typeorm';
import { grantRuntimeRoleSql } from './1733040000001-runtime-role';

/**
 * audit_log and outbox partitioned by month (native declarative partitioning; pg_partman is not
 * assumed), so a closed month leaves as a whole: the outbox by DROP of a partition older than
 * its retention, the audit log by archive (ArchiveAuditPartition) and then detach. No row is ever
 * deleted from the audit log.
 *
 * - Months are Shanghai months: a partition holds [YYYY-MM-01 00:00+08, next month 00:00+08) of
 *   audit_log.occurred_at / outbox.created_at, so a month matches what people there call one.
 * - bedlink_ensure_partitions(from, to) creates the missing months (idempotent; the leader runs
 *   it ahead, bulk loaders run it for past months). A row whose month has no partition lands in
 *   the DEFAULT partition instead of failing its command; creating that month later moves such
 *   rows into it.
 * - Keys must include the partition key: PRIMARY KEY (seq, occurred_at) and (id, created_at).
 *   Unique over the whole table stays true by construction (seq and id come from one sequence;
 *   aggregate_seq from the aggregate row's chain_seq, written under its version guard; event ids
 *   are fresh UUIDs) and is enforced per month by unique indexes on every partition
 *   ((aggregate_id, aggregate_seq), (event_id), (seq)/(id)); a duplicate across months is what the
 *   chain verifier reports as a SEQUENCE_GAP.
 * - Insert-only holds per partition: the row triggers are cloned to every partition, the TRUNCATE
 *   trigger is added to each one, and the runtime role keeps only INSERT and SELECT on them.
 * - Detaching an audit month is refused unless an archive of exactly its rows exists
 *   (bedlink_detach_audit_partition checks, and an event trigger refuses a raw DETACH or DROP when
 *   the migrating role may create one, i.e. is a superuser).
 *
 * Existing rows are copied into the partitioned tables (same seq, id, hashes): a one-off cost
 * proportional to the tables' size, paid at upgrade.
 */
export class MonthlyPartitions1734800000000 implements MigrationInterface {
  name = 'MonthlyPartitions1734800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION bedlink_month_start(d date) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
        $$ SELECT (date_trunc('month', d)::timestamp AT TIME ZONE 'Asia/Shanghai') $$;

      -- the month a timestamp falls in, Shanghai time
      CREATE FUNCTION bedlink_month_of(t timestamptz) RETURNS date LANGUAGE sql STABLE AS
        $$ SELECT date_trunc('month', t AT TIME ZONE 'Asia/Shanghai')::date $$;

      CREATE TABLE audit_archives (
        id uuid PRIMARY KEY,
        month date NOT NULL UNIQUE CHECK (month = date_trunc('month', month)::date),
        partition_name text NOT NULL,
        row_count bigint NOT NULL,
        first_seq bigint,
        last_seq bigint,
        chains int NOT NULL,
        rows_sha256 text NOT NULL,
        start_digest text NOT NULL,
        end_digest text NOT NULL,
        -- the last record of every chain the month touched: where verification resumes once the month is detached
        end_heads jsonb NOT NULL,
        file_name text NOT NULL,
        file_sha256 text NOT NULL,
        file_bytes bigint NOT NULL,
        key_id text NOT NULL,
        prev_signature text,
        signature text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        version int NOT NULL DEFAULT 1,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text
      );
      CREATE TRIGGER audit_archives_no_update BEFORE UPDATE OR DELETE ON audit_archives FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_archives_no_truncate BEFORE TRUNCATE ON audit_archives FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

      ALTER TABLE audit_log RENAME TO audit_log_unpartitioned;
      ALTER TABLE outbox RENAME TO outbox_unpartitioned;
      ALTER SEQUENCE audit_log_seq_seq OWNED BY NONE;
      ALTER SEQUENCE outbox_id_seq OWNED BY NONE;
      DROP TRIGGER outbox_wake ON outbox_unpartitioned;
      -- names the new tables' indexes take
      ALTER INDEX audit_log_occurred_brin RENAME TO audit_log_unpartitioned_occurred_brin;
      ALTER INDEX audit_log_type RENAME TO audit_log_unpartitioned_type;
      ALTER INDEX outbox_created_at RENAME TO outbox_unpartitioned_created_at;
      ALTER INDEX outbox_unsent RENAME TO outbox_unpartitioned_unsent;
      ALTER INDEX outbox_sent_at RENAME TO outbox_unpartitioned_sent_at;

      CREATE TABLE audit_log (
        seq bigint NOT NULL DEFAULT nextval('audit_log_seq_seq'),
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        aggregate_seq int NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        actor_user text NOT NULL,
        actor_role text NOT NULL,
        actor_institution text,
        reason text,
        correlation_id text,
        causation_id text,
        occurred_at timestamptz NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        PRIMARY KEY (seq, occurred_at)
      ) PARTITION BY RANGE (occurred_at);
      ALTER SEQUENCE audit_log_seq_seq OWNED BY audit_log.seq;
      CREATE INDEX audit_log_type ON audit_log (event_type);
      CREATE INDEX audit_log_occurred_brin ON audit_log USING brin (occurred_at) WITH (autosummarize = on);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

      CREATE TABLE outbox (
        id bigint NOT NULL DEFAULT nextval('outbox_id_seq'),
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        payload jsonb NOT NULL,
        metadata jsonb NOT NULL,
        priority smallint NOT NULL DEFAULT 3,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        PRIMARY KEY (id, created_at)
      ) PARTITION BY RANGE (created_at);
      ALTER SEQUENCE outbox_id_seq OWNED BY outbox.id;
      CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
      CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;
      CREATE INDEX outbox_created_at ON outbox (created_at);
      CREATE TRIGGER outbox_wake AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

      /*
       * What every partition gets beyond what the parent gives it: the unique indexes that cannot
       * be declared on the parent (they lack the partition key), and for the audit log the
       * TRUNCATE trigger (statement triggers are not cloned) and the runtime role's narrow grants.
       */
      CREATE FUNCTION bedlink_prepare_partition(parent text, part text) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        IF parent = 'audit_log' THEN
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (aggregate_id, aggregate_seq)', part || '_chain', part);
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (event_id)', part || '_event', part);
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (seq)', part || '_seq', part);
          IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = part::regclass AND tgname = 'audit_log_no_truncate') THEN
            EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()', part);
          END IF;
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bedlink_app') THEN
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON %I FROM bedlink_app', part);
            EXECUTE format('GRANT SELECT, INSERT ON %I TO bedlink_app', part);
          END IF;
        ELSE
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (event_id)', part || '_event', part);
          EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (id)', part || '_id', part);
        END IF;
      END $$;

      /*
       * Creates the month partitions of audit_log and outbox from the month of p_from to the month
       * of p_to (both included) that do not exist yet, and answers their names. Idempotent. An
       * audit month already archived is not created again (its rows left with the archive). Rows
       * of a new month already in the DEFAULT partition are moved into it: the default is detached,
       * the month and a new default are created, the rows go back through the parent (same seq,
       * same hashes) and the old default is dropped; no row is updated or deleted.
       */
      CREATE FUNCTION bedlink_ensure_partitions(p_from date, p_to date) RETURNS SETOF text
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        m date;
        parent text;
        part text;
        dflt text;
        key text;
        moved boolean;
        missing date[];
      BEGIN
        IF p_from IS NULL OR p_to IS NULL OR p_to < p_from THEN
          RAISE EXCEPTION 'bedlink_ensure_partitions: invalid range % .. %', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF p_to > p_from + interval '25 years' THEN
          RAISE EXCEPTION 'bedlink_ensure_partitions: at most 25 years at once' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- one creator at a time (the leader, a loader, an operator): the loser finds the months made
        PERFORM pg_advisory_xact_lock(hashtext('bedlink.partitions'));
        FOREACH parent IN ARRAY ARRAY['audit_log', 'outbox'] LOOP
          key := CASE parent WHEN 'audit_log' THEN 'occurred_at' ELSE 'created_at' END;
          dflt := parent || '_default';
          SELECT coalesce(array_agg(d ORDER BY d), '{}') INTO missing
          FROM generate_series(date_trunc('month', p_from), p_to, interval '1 month') AS g(t), LATERAL (SELECT t::date AS d) x
          WHERE to_regclass(parent || '_p' || to_char(d, 'YYYYMM')) IS NULL
            AND NOT (parent = 'audit_log' AND EXISTS (SELECT 1 FROM audit_archives a WHERE a.month = d));
          CONTINUE WHEN cardinality(missing) = 0;
          -- rows of these months already in the default: moved once for all of them, not once per month
          EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE bedlink_month_of(%I) = ANY($1))', dflt, key) INTO moved USING missing;
          IF moved THEN
            PERFORM set_config('bedlink.partition_move', 'on', true);
            EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, dflt);
            EXECUTE format('ALTER TABLE %I RENAME TO %I', dflt, dflt || '_moving');
          END IF;
          FOREACH m IN ARRAY missing LOOP
            part := parent || '_p' || to_char(m, 'YYYYMM');
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent,
              bedlink_month_start(m), bedlink_month_start((m + interval '1 month')::date));
            PERFORM bedlink_prepare_partition(parent, part);
            RETURN NEXT part;
          END LOOP;
          IF moved THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', dflt, parent);
            EXECUTE format('INSERT INTO %I SELECT * FROM %I', parent, dflt || '_moving');
            -- after the drop: the old default's unique indexes carry the names the new one's take
            EXECUTE format('DROP TABLE %I', dflt || '_moving');
            PERFORM bedlink_prepare_partition(parent, dflt);
            PERFORM set_config('bedlink.partition_move', 'off', true);
          END IF;
        END LOOP;
      END $$;

      /*
       * Detaches one audit month, only when an archive of exactly its rows exists (same count,
       * same last seq: the month is insert-only, so nothing else can differ without the archive's
       * signed digests showing it) and it is the oldest month still attached (verification resumes
       * from the archive's end heads, which is only sound without holes). The table stays until an
       * operator drops it.
       */
      CREATE FUNCTION bedlink_detach_audit_partition(p_month date) RETURNS text
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        part text := 'audit_log_p' || to_char(p_month, 'YYYYMM');
        a audit_archives;
        n bigint;
        last bigint;
        older text;
      BEGIN
        IF to_regclass(part) IS NULL OR NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = part::regclass AND inhparent = 'audit_log'::regclass) THEN
          RAISE EXCEPTION 'AUDIT_PARTITION_NOT_FOUND: no attached audit partition for %', to_char(p_month, 'YYYY-MM') USING ERRCODE = 'no_data_found';
        END IF;
        SELECT * INTO a FROM audit_archives WHERE month = date_trunc('month', p_month)::date;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'AUDIT_NOT_ARCHIVED: % has no archive; run ArchiveAuditPartition first', part USING ERRCODE = 'check_violation';
        END IF;
        -- no insert may slip in between the count and the detach
        EXECUTE format('LOCK TABLE %I IN SHARE MODE', part);
        EXECUTE format('SELECT count(*), max(seq) FROM %I', part) INTO n, last;
        IF n <> a.row_count OR last IS DISTINCT FROM a.last_seq THEN
          RAISE EXCEPTION 'AUDIT_ARCHIVE_STALE: % holds % row(s) up to seq %, its archive % up to %; archive it again', part, n, last, a.row_count, a.last_seq
            USING ERRCODE = 'check_violation';
        END IF;
        SELECT c.relname INTO older FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_p[0-9]{6}$' AND c.relname < part ORDER BY c.relname LIMIT 1;
        IF older IS NOT NULL THEN
          RAISE EXCEPTION 'AUDIT_PARTITION_ORDER: % is older and still attached; detach months oldest first', older USING ERRCODE = 'check_violation';
        END IF;
        PERFORM set_config('bedlink.audit_detach', part, true);
        EXECUTE format('ALTER TABLE audit_log DETACH PARTITION %I', part);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bedlink_app') THEN
          EXECUTE format('REVOKE ALL ON %I FROM bedlink_app', part);
        END IF;
        RETURN part;
      END $$;

      /*
       * Outbox months that ended before p_before (never later than an hour ago) and hold no unsent
       * row: detached and dropped, with the number of rows each held. The leader's retention job
       * calls it with now() - OUTBOX_RETENTION_MS.
       */
      CREATE FUNCTION bedlink_drop_outbox_partitions(p_before timestamptz) RETURNS TABLE (part text, rows bigint)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        r record;
        unsent boolean;
      BEGIN
        p_before := least(p_before, now() - interval '1 hour');
        FOR r IN
          SELECT c.relname AS tbl FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'outbox'::regclass AND c.relname ~ '^outbox_p[0-9]{6}$'
            AND bedlink_month_start((to_date(substr(c.relname, 9), 'YYYYMM') + interval '1 month')::date) <= p_before
          ORDER BY 1
        LOOP
          EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE sent_at IS NULL)', r.tbl) INTO unsent;
          CONTINUE WHEN unsent;
          EXECUTE format('ALTER TABLE outbox DETACH PARTITION %I', r.tbl);
          part := r.tbl;
          EXECUTE format('SELECT count(*) FROM %I', r.tbl) INTO rows;
          EXECUTE format('DROP TABLE %I', r.tbl);
          RETURN NEXT;
        END LOOP;
      END $$;

      REVOKE ALL ON FUNCTION bedlink_prepare_partition(text, text) FROM PUBLIC;
    `);

    // the months the existing rows need, and the next three: then the rows come across unchanged
    await q.query(`
      CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
      SELECT bedlink_prepare_partition('audit_log', 'audit_log_default');
      CREATE TABLE outbox_default PARTITION OF outbox DEFAULT;
      SELECT bedlink_prepare_partition('outbox', 'outbox_default');
      SELECT count(*) FROM bedlink_ensure_partitions(
        bedlink_month_of(least(now(), (SELECT min(occurred_at) FROM audit_log_unpartitioned), (SELECT min(created_at) FROM outbox_unpartitioned))),
        (bedlink_month_of(now()) + interval '3 months')::date);
      INSERT INTO audit_log SELECT * FROM audit_log_unpartitioned ORDER BY seq;
      INSERT INTO outbox SELECT * FROM outbox_unpartitioned ORDER BY id;
      DROP TABLE audit_log_unpartitioned;
      DROP TABLE outbox_unpartitioned;
    `);

    // The database's own refusal of a raw DETACH or DROP of an audit month without its archive.
    // Event triggers need a superuser; without one the engine's function is the only door (the
    // runtime role owns nothing, so it cannot detach or drop at all).
    await q.query(`
      CREATE FUNCTION bedlink_audit_partition_guard() RETURNS event_trigger
      LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
      DECLARE
        r record;
        archived bigint;
        n bigint;
      BEGIN
        IF current_setting('bedlink.partition_move', true) = 'on' THEN RETURN; END IF;
        IF TG_EVENT = 'sql_drop' THEN
          -- the parent itself going (a migration's down): its partitions go with it
          IF EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table' AND object_identity = 'public.audit_log') THEN RETURN; END IF;
          FOR r IN SELECT object_name FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table' AND schema_name = 'public'
                     AND (object_name ~ '^audit_log_p[0-9]{6}$' OR object_name = 'audit_log_default') LOOP
            IF r.object_name = 'audit_log_default' OR NOT EXISTS (SELECT 1 FROM audit_archives WHERE partition_name = r.object_name) THEN
              RAISE EXCEPTION 'AUDIT_NOT_ARCHIVED: % may not be dropped before ArchiveAuditPartition archived it', r.object_name USING ERRCODE = 'check_violation';
            END IF;
          END LOOP;
          RETURN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE objid = 'audit_log'::regclass) THEN RETURN; END IF;
        -- an audit month no longer attached: only the engine's detach of an archived month
        FOR r IN SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
                   AND (c.relname ~ '^audit_log_p[0-9]{6}$' OR c.relname = 'audit_log_default')
                   AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) LOOP
          -- bedlink_detach_audit_partition checked count and order itself; a raw DETACH is checked here
          CONTINUE WHEN current_setting('bedlink.audit_detach', true) = r.relname;
          SELECT a.row_count INTO archived FROM audit_archives a WHERE a.partition_name = r.relname;
          IF FOUND THEN
            EXECUTE format('SELECT count(*) FROM %I', r.relname) INTO n;
            CONTINUE WHEN n = archived;
          END IF;
          RAISE EXCEPTION 'AUDIT_NOT_ARCHIVED: % may not be detached before ArchiveAuditPartition archived it', r.relname USING ERRCODE = 'check_violation';
        END LOOP;
      END $$;
      DO $$
      BEGIN
        IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          CREATE EVENT TRIGGER bedlink_audit_detach_guard ON ddl_command_end WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION bedlink_audit_partition_guard();
          CREATE EVENT TRIGGER bedlink_audit_drop_guard ON sql_drop WHEN TAG IN ('DROP TABLE') EXECUTE FUNCTION bedlink_audit_partition_guard();
        ELSE
          RAISE NOTICE 'not a superuser: no event trigger guards audit partitions; bedlink_detach_audit_partition still refuses months without archive';
        END IF;
      END $$;
    `);
    // the new tables were granted everything by default privileges: narrow the audit ones again
    await q.query(grantRuntimeRoleSql());
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP EVENT TRIGGER IF EXISTS bedlink_audit_detach_guard;
      DROP EVENT TRIGGER IF EXISTS bedlink_audit_drop_guard;
      DROP FUNCTION IF EXISTS bedlink_audit_partition_guard();
      CREATE TABLE audit_log_flat (LIKE audit_log INCLUDING DEFAULTS);
      INSERT INTO audit_log_flat SELECT * FROM audit_log ORDER BY seq;
      CREATE TABLE outbox_flat (LIKE outbox INCLUDING DEFAULTS);
      INSERT INTO outbox_flat SELECT * FROM outbox ORDER BY id;
      ALTER SEQUENCE audit_log_seq_seq OWNED BY NONE;
      ALTER SEQUENCE outbox_id_seq OWNED BY NONE;
      DROP TABLE audit_log, outbox;
      ALTER TABLE audit_log_flat RENAME TO audit_log;
      ALTER TABLE outbox_flat RENAME TO outbox;
      ALTER SEQUENCE audit_log_seq_seq OWNED BY audit_log.seq;
      ALTER SEQUENCE outbox_id_seq OWNED BY outbox.id;
      ALTER TABLE audit_log ADD PRIMARY KEY (seq), ADD UNIQUE (event_id), ADD UNIQUE (aggregate_id, aggregate_seq);
      ALTER TABLE outbox ADD PRIMARY KEY (id), ADD UNIQUE (event_id);
      CREATE INDEX audit_log_type ON audit_log (event_type);
      CREATE INDEX audit_log_occurred_brin ON audit_log USING brin (occurred_at) WITH (autosummarize = on);
      CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
      CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;
      CREATE INDEX outbox_created_at ON outbox (created_at);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER outbox_wake AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
      DROP FUNCTION IF EXISTS bedlink_drop_outbox_partitions(timestamptz), bedlink_detach_audit_partition(date), bedlink_ensure_partitions(date, date),
        bedlink_prepare_partition(text, text), bedlink_month_of(timestamptz), bedlink_month_start(date);
      DROP TABLE audit_archives;
    `);
  }
}
