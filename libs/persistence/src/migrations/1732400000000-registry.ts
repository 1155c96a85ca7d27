import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The five-bed registry: home programmes and their enrolments, cooperation agreements, the
 * family-doctor contract on patients, the dispatch mode on referrals, the programme board and
 * the patient-movement read model, and the indexes matching needs to stay fast at city scale.
 */
export class Registry1732400000000 implements MigrationInterface {
  name = 'Registry1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE home_programmes (
        id uuid PRIMARY KEY,
        institution_id uuid NOT NULL REFERENCES institutions(id),
        district_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('HOME_SICKBED','HOME_CARE')),
        name text NOT NULL,
        capacity int NOT NULL CHECK (capacity >= 0),
        area_codes text[] NOT NULL DEFAULT '{}',
        radius_km double precision,
        services text[] NOT NULL DEFAULT '{}',
        min_care_level smallint,
        max_care_level smallint,
        version int NOT NULL DEFAULT 0,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (institution_id, name)
      );
      CREATE INDEX home_programmes_district ON home_programmes (district_id, kind);

      CREATE TABLE enrolments (
        id uuid PRIMARY KEY,
        programme_id uuid NOT NULL REFERENCES home_programmes(id),
        patient_id uuid NOT NULL REFERENCES patients(id),
        referral_id uuid NOT NULL REFERENCES referrals(id),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        ended_by_referral_id uuid
      );
      -- a patient is on at most one home programme at a time
      CREATE UNIQUE INDEX enrolments_one_active_per_patient ON enrolments (patient_id) WHERE ended_at IS NULL;
      CREATE INDEX enrolments_active ON enrolments (programme_id) WHERE ended_at IS NULL;

      ALTER TABLE reservations ADD CONSTRAINT reservations_programme_fk FOREIGN KEY (programme_id) REFERENCES home_programmes(id);
      ALTER TABLE offers ADD CONSTRAINT offers_programme_fk FOREIGN KEY (target_programme_id) REFERENCES home_programmes(id);
      CREATE INDEX reservations_held_programme ON reservations (programme_id) WHERE state = 'HELD' AND programme_id IS NOT NULL;

      CREATE TABLE cooperation_agreements (
        id uuid PRIMARY KEY,
        district_id text NOT NULL,
        from_institution_id uuid NOT NULL REFERENCES institutions(id),
        to_institution_id uuid NOT NULL REFERENCES institutions(id),
        kinds text[] NOT NULL DEFAULT '{}',
        directions text[] NOT NULL DEFAULT '{}',
        version int NOT NULL DEFAULT 0,
        chain_seq int NOT NULL DEFAULT 0,
        chain_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (from_institution_id <> to_institution_id)
      );
      CREATE INDEX cooperation_agreements_route ON cooperation_agreements (from_institution_id, to_institution_id);

      ALTER TABLE patients ADD COLUMN family_doctor_institution_id uuid REFERENCES institutions(id);
      ALTER TABLE referrals ADD COLUMN dispatch text NOT NULL DEFAULT 'MANUAL' CHECK (dispatch IN ('AUTO','MANUAL'));

      -- matching: a covering index of free beds per institution, so the capability filter runs on
      -- index tuples (index-only scan) and the heap is touched only for recently changed pages
      CREATE INDEX beds_free_by_institution ON beds (institution_id, kind) INCLUDE (id, services, sex_restriction, min_care_level, max_care_level, isolation_capable) WHERE status = 'U';

      -- the board of home programmes, per programme (per institution rows live in bed_board)
      CREATE TABLE programme_board (
        programme_id uuid PRIMARY KEY,
        institution_id uuid NOT NULL,
        district_id text NOT NULL,
        kind text NOT NULL,
        capacity int NOT NULL DEFAULT 0,
        reserved int NOT NULL DEFAULT 0,
        enrolled int NOT NULL DEFAULT 0
      );

      -- one row per move of a patient (the referral that moved them); stays are read from consecutive moves
      CREATE TABLE patient_movements (
        referral_id uuid PRIMARY KEY,
        patient_id uuid NOT NULL,
        origin_kind text,
        origin_institution_id uuid,
        origin_bed_id uuid,
        target_kind text,
        target_institution_id uuid,
        target_bed_id uuid,
        target_programme_id uuid,
        started_at timestamptz,
        admitted_at timestamptz
      );
      CREATE INDEX patient_movements_patient ON patient_movements (patient_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS patient_movements, programme_board;
      DROP INDEX IF EXISTS beds_free_by_institution;
      ALTER TABLE referrals DROP COLUMN IF EXISTS dispatch;
      ALTER TABLE patients DROP COLUMN IF EXISTS family_doctor_institution_id;
      DROP TABLE IF EXISTS cooperation_agreements;
      DROP INDEX IF EXISTS reservations_held_programme;
      ALTER TABLE offers DROP CONSTRAINT IF EXISTS offers_programme_fk;
      ALTER TABLE reservations DROP CONSTRAINT IF EXISTS reservations_programme_fk;
      DROP TABLE IF EXISTS enrolments, home_programmes;
    `);
  }
}
