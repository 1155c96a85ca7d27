import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { GetObjectCommand, DeleteObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DocumentStore } from '@bedlink/application';
import { EnvConfig } from '@bedlink/config';
import { notFound } from '@bedlink/domain';
import { PiiCipher } from './pii-cipher';

/**
 * Document bytes in Postgres (`document_blobs`), encrypted with the PII cipher, the document id as
 * associated data. Written outside the command's transaction (the bytes never ride the command
 * queue): a blob whose AttachDocument is refused is deleted again, and a blob no document row
 * names is unreachable (downloads go through the referral's document list).
 */
export class PgDocumentStore implements DocumentStore {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly ds: DataSource,
    private readonly cipher: PiiCipher,
  ) {}

  async put(id: string, bytes: Buffer): Promise<void> {
    // a retried upload (same Idempotency-Key, same file) stores the same id again: the first copy stays
    await this.ds.query(`INSERT INTO document_blobs (id, content) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, this.cipher.encryptBytes(bytes, id)]);
  }

  async get(id: string): Promise<Buffer> {
    const [row] = await this.ds.query(`SELECT content FROM document_blobs WHERE id = $1`, [id]);
    if (!row) throw notFound('DOCUMENT_NOT_FOUND', 'document', id);
    return this.cipher.decryptBytes(row.content as Buffer, id);
  }

  async delete(id: string): Promise<void> {
    await this.ds.query(`DELETE FROM document_blobs WHERE id = $1`, [id]);
  }
}

/**
 * Document bytes in an S3-compatible bucket (AWS, MinIO, Ceph; tested against s3rver), encrypted
 * before they leave the process: the bucket's operator never sees a clear byte.
 */
export class S3DocumentStore implements DocumentStore {
  readonly kind = 's3' as const;
  private readonly s3: S3Client;
  constructor(
    private readonly cfg: Pick<EnvConfig, 'S3_ENDPOINT' | 'S3_REGION' | 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'>,
    private readonly cipher: PiiCipher,
  ) {
    this.s3 = new S3Client({
      region: cfg.S3_REGION,
      endpoint: cfg.S3_ENDPOINT || undefined,
      forcePathStyle: cfg.S3_FORCE_PATH_STYLE,
      credentials: cfg.S3_ACCESS_KEY_ID ? { accessKeyId: cfg.S3_ACCESS_KEY_ID, secretAccessKey: cfg.S3_SECRET_ACCESS_KEY } : undefined,
    });
  }

  private key(id: string): string {
    return `documents/${id}`;
  }

  async put(id: string, bytes: Buffer): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.cfg.S3_BUCKET,
        Key: this.key(id),
        Body: this.cipher.encryptBytes(bytes, id),
        ContentType: 'application/octet-stream',
      }),
    );
  }

  async get(id: string): Promise<Buffer> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.cfg.S3_BUCKET, Key: this.key(id) }));
      const chunks: Buffer[] = [];
      for await (const c of out.Body as Readable) chunks.push(Buffer.from(c as Uint8Array));
      return this.cipher.decryptBytes(Buffer.concat(chunks), id);
    } catch (e) {
      if (e instanceof NoSuchKey || (e as { name?: string }).name === 'NoSuchKey') throw notFound('DOCUMENT_NOT_FOUND', 'document', id);
      throw e;
    }
  }

  async delete(id: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.cfg.S3_BUCKET, Key: this.key(id) }));
  }

  destroy(): void {
    this.s3.destroy();
  }
}

export function documentStoreFor(cfg: EnvConfig, ds: DataSource, cipher: PiiCipher): DocumentStore {
  return cfg.DOCUMENT_STORE === 's3' ? new S3DocumentStore(cfg, cipher) : new PgDocumentStore(ds, cipher);
}
