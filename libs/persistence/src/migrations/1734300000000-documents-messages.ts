import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Around the referral: its files and its threads.
 * - `referral_documents`: what the origin attached (metadata only; the media type was sniffed from
 *   the bytes). Written by the referral aggregate; the document id is also the blob's key, and
 *   being the primary key it can never be attached twice.
 * - `document_blobs`: the bytes, encrypted (AES-256-GCM, the document id as associated data), when
 *   the store is Postgres; with an S3-compatible store this table stays empty.
 * - `referral_messages`: one thread per (referral, target), append-only apart from the read receipt.
 * - offers: a paused clock (`paused_at`, `remaining_ms`) and the time spent paused so far.
 */
export class DocumentsMessages1734300000000 implements MigrationInterface {
  name = 'DocumentsMessages1734300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE referral_documents (
        id uuid PRIMARY KEY,
        referral_id uuid NOT NULL REFERENCES referrals(id),
        filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        media_type text NOT NULL,
        size integer NOT NULL CHECK (size > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage text NOT NULL CHECK (storage IN ('postgres', 's3')),
        blob_key text NOT NULL,
        description text,
        uploaded_by text NOT NULL,
        uploaded_at timestamptz NOT NULL
      );
      CREATE INDEX referral_documents_referral ON referral_documents (referral_id, uploaded_at);
      CREATE TABLE document_blobs (
        id uuid PRIMARY KEY,
        content bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE referral_messages (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        referral_id uuid NOT NULL REFERENCES referrals(id),
        target_institution_id uuid NOT NULL,
        from_institution_id uuid NOT NULL,
        to_institution_id uuid NOT NULL,
        offer_id uuid REFERENCES offers(id),
        kind text NOT NULL CHECK (kind IN ('MESSAGE', 'NEED_MORE_INFO')),
        text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
        sent_by text NOT NULL,
        sent_at timestamptz NOT NULL,
        read_at timestamptz,
        read_by text
      );
      CREATE INDEX referral_messages_thread ON referral_messages (referral_id, target_institution_id, seq);
      ALTER TABLE offers
        ADD COLUMN paused_at timestamptz,
        ADD COLUMN remaining_ms bigint,
        ADD COLUMN paused_ms bigint NOT NULL DEFAULT 0,
        ADD CONSTRAINT offers_paused_has_remaining CHECK ((paused_at IS NULL) = (remaining_ms IS NULL)),
        ADD CONSTRAINT offers_paused_has_no_deadline CHECK (paused_at IS NULL OR deadline_at IS NULL);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE offers DROP CONSTRAINT offers_paused_has_no_deadline, DROP CONSTRAINT offers_paused_has_remaining,
        DROP COLUMN paused_ms, DROP COLUMN remaining_ms, DROP COLUMN paused_at;
      DROP TABLE IF EXISTS referral_messages, document_blobs, referral_documents;
    `);
  }
}
