import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foundation schema. Invariants that must hold under concurrency live here, not only in code:
 * one live reservation per bed (partial unique index), one occupant per bed (a column) and one
 * bed per occupant (unique), one live referral per patient (partial unique index), an
 * insert-only audit log (trigger), optimistic versions on every aggregate table.
 */
export class Foundation1732300000000 implements MigrationInterface {
  name = 'Foundation1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE institutions (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('REGIONAL_MEDICAL_CENTRE','COMMUNITY_HEALTH_CENTRE','ELDERLY_CARE_INSTITUTION')),
        district_id text NOT NULL,
        address text NOT NULL DEFAULT '',
        lat double precision,
        lng double precision,
        services text[] NOT NULL DEFAULT '{}',
        version int NOT NULL DEFAULT 0,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX institutions_district ON institutions (district_id, type);

      CREATE TABLE patients (
        id uuid PRIMARY KEY,
        resident_id_hash text NOT NULL UNIQUE,
        resident_id_enc text NOT NULL,
        name_enc text NOT NULL,
        phone_enc text,
        sex char(1) NOT NULL CHECK (sex IN ('F','M')),
        birth_date date NOT NULL,
        registered_by_institution uuid NOT NULL REFERENCES institutions(id),
        assessment jsonb,
        hardship boolean NOT NULL DEFAULT false,
        version int NOT NULL DEFAULT 0,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE beds (
        id uuid PRIMARY KEY,
        institution_id uuid NOT NULL REFERENCES institutions(id),
        district_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('HOSPITAL','COMMUNITY','HOSPICE','CARE_HOME')),
        ward text NOT NULL,
        label text NOT NULL,
        status char(1) NOT NULL DEFAULT 'U' CHECK (status IN ('U','O','H','C','I','K')),
        occupant_patient_id uuid REFERENCES patients(id),
        services text[] NOT NULL DEFAULT '{}',
        sex_restriction char(1) CHECK (sex_restriction IN ('F','M')),
        min_care_level smallint,
        max_care_level smallint,
        isolation_capable boolean NOT NULL DEFAULT false,
        version int NOT NULL DEFAULT 0,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (institution_id, ward, label),
        -- an occupied bed has exactly one occupant, an unoccupied one none
        CHECK ((status = 'O') = (occupant_patient_id IS NOT NULL))
      );
      -- a patient occupies at most one bed
      CREATE UNIQUE INDEX beds_one_bed_per_occupant ON beds (occupant_patient_id) WHERE occupant_patient_id IS NOT NULL;
      CREATE INDEX beds_institution ON beds (institution_id, kind, status);
      CREATE INDEX beds_free ON beds (district_id, kind) WHERE status = 'U';

      CREATE TABLE referrals (
        id uuid PRIMARY KEY,
        patient_id uuid NOT NULL REFERENCES patients(id),
        district_id text NOT NULL,
        origin_institution_id uuid NOT NULL REFERENCES institutions(id),
        origin_bed_id uuid REFERENCES beds(id),
        origin_kind text NOT NULL,
        requested_kind text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('DOWNWARD','UPWARD','LATERAL')),
        services text[] NOT NULL DEFAULT '{}',
        urgency text NOT NULL CHECK (urgency IN ('EMERGENCY','URGENT','ROUTINE')),
        strategy text NOT NULL CHECK (strategy IN ('BROADCAST','CASCADE')),
        fanout smallint NOT NULL DEFAULT 3,
        clinical_summary text NOT NULL,
        care_level smallint,
        consent boolean NOT NULL,
        expected_arrival timestamptz,
        state text NOT NULL,
        state_reason text,
        candidates jsonb NOT NULL DEFAULT '[]',
        candidate_cursor int NOT NULL DEFAULT 0,
        created_by text NOT NULL,
        version int NOT NULL DEFAULT 0,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      -- at most one live referral per patient; the loser of a race gets 23505 -> PATIENT_HAS_LIVE_REFERRAL
      CREATE UNIQUE INDEX referrals_one_live_per_patient ON referrals (patient_id)
        WHERE state NOT IN ('COMPLETED','FAILED','CANCELLED','REJECTED');
      CREATE INDEX referrals_origin ON referrals (origin_institution_id, state, updated_at DESC);
      CREATE INDEX referrals_district_state ON referrals (district_id, state, updated_at DESC);

      CREATE TABLE offers (
        id uuid PRIMARY KEY,
        referral_id uuid NOT NULL REFERENCES referrals(id),
        target_institution_id uuid NOT NULL REFERENCES institutions(id),
        target_bed_id uuid REFERENCES beds(id),
        target_programme_id uuid,
        state text NOT NULL,
        rank int NOT NULL,
        deadline_at timestamptz,
        created_at timestamptz NOT NULL,
        viewed_at timestamptz,
        viewed_by text,
        answered_at timestamptz,
        answered_by text,
        decline_reason text,
        declined_by text,
        decline_text text
      );
      CREATE INDEX offers_referral ON offers (referral_id);
      CREATE INDEX offers_target_live ON offers (target_institution_id, deadline_at) WHERE state IN ('PENDING','VIEWED');

      CREATE TABLE reservations (
        id uuid PRIMARY KEY,
        referral_id uuid NOT NULL REFERENCES referrals(id),
        offer_id uuid NOT NULL REFERENCES offers(id),
        institution_id uuid NOT NULL REFERENCES institutions(id),
        bed_id uuid REFERENCES beds(id),
        programme_id uuid,
        state text NOT NULL CHECK (state IN ('HELD','CONSUMED','RELEASED','EXPIRED')),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        ended_at timestamptz,
        CHECK ((bed_id IS NULL) <> (programme_id IS NULL))
      );
      -- THE double-booking guard: one live hold per physical bed, whatever the code does
      CREATE UNIQUE INDEX reservations_one_live_per_bed ON reservations (bed_id) WHERE state = 'HELD' AND bed_id IS NOT NULL;
      CREATE INDEX reservations_referral ON reservations (referral_id);
      CREATE INDEX reservations_held_expiry ON reservations (expires_at) WHERE state = 'HELD';

      CREATE TABLE audit_log (
        seq bigserial PRIMARY KEY,
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        aggregate_seq int NOT NULL,
        event_id uuid NOT NULL UNIQUE,
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
        UNIQUE (aggregate_id, aggregate_seq)
      );
      CREATE INDEX audit_log_type ON audit_log (event_type);

      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        event_type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        payload jsonb NOT NULL,
        metadata jsonb NOT NULL,
        priority smallint NOT NULL DEFAULT 3,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      );
      CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
      CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

      -- wake the relay; polling behind it covers lost notifications
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('bedlink_outbox', ''); RETURN NULL; END $$;
      CREATE TRIGGER outbox_wake AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

      CREATE TABLE inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );

      CREATE TABLE command_log (
        id text PRIMARY KEY,
        command_type text NOT NULL,
        actor_user text NOT NULL,
        actor_institution text,
        ok boolean NOT NULL,
        result jsonb NOT NULL,
        fingerprint text,
        correlation_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE bed_board (
        institution_id uuid NOT NULL,
        district_id text NOT NULL,
        kind text NOT NULL,
        total int NOT NULL DEFAULT 0,
        free int NOT NULL DEFAULT 0,
        reserved int NOT NULL DEFAULT 0,
        occupied int NOT NULL DEFAULT 0,
        cleaning int NOT NULL DEFAULT 0,
        closed int NOT NULL DEFAULT 0,
        isolated int NOT NULL DEFAULT 0,
        contaminated int NOT NULL DEFAULT 0,
        PRIMARY KEY (institution_id, kind)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS bed_board, command_log, inbox, outbox, audit_log, reservations, offers, referrals, beds, patients, institutions CASCADE;
      DROP FUNCTION IF EXISTS audit_log_append_only(), outbox_notify();
    `);
  }
}
