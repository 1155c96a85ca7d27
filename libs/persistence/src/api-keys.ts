import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Actor, DomainError, notFound, Role } from '@bedlink/domain';

export interface ApiKeyView {
  id: string;
  prefix: string;
  label: string;
  role: Role;
  institutionId: string | null;
  districtId: string | null;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const KEY_RE = /^blk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const view = (r: any): ApiKeyView => ({
  id: r.id,
  prefix: r.prefix,
  label: r.label,
  role: r.role,
  institutionId: r.institution_id,
  districtId: r.district_id,
  createdBy: r.created_by,
  createdAt: iso(r.created_at) as string,
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
});

/**
 * Keys look like `blk_<12-char prefix>_<32 random bytes, base64url>`. The prefix is stored in
 * clear for lookup, the whole key only as SHA-256 (a 256-bit random secret needs no slow hash).
 */
export class ApiKeyStore {
  constructor(private readonly ds: DataSource) {}

  async issue(by: Actor, spec: { label: string; role: Role; institutionId?: string | null; districtId?: string | null }): Promise<ApiKeyView & { key: string }> {
    const isDistrictRole = spec.role === 'DISTRICT_COORDINATOR' || spec.role === 'AUDITOR';
    const institutionId = isDistrictRole ? null : spec.institutionId ?? null;
    if (!isDistrictRole && !institutionId) throw new DomainError('VALIDATION_FAILED', `a ${spec.role} key acts for an institution: give institutionId`);
    let districtId = spec.districtId ?? by.districtId ?? null;
    if (institutionId) {
      const rows = await this.ds.query(`SELECT district_id FROM institutions WHERE id = $1`, [institutionId]);
      if (!rows.length) throw notFound('INSTITUTION_NOT_FOUND', 'institution', institutionId);
      districtId = rows[0].district_id;
    }
    // A coordinator issues keys for their own district only.
    if (by.districtId && districtId !== by.districtId) throw new DomainError('FORBIDDEN', 'API keys can only be issued within your own district');
    const prefix = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
    const key = `blk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const rows = await this.ds.query(
      `INSERT INTO api_keys (id, prefix, key_hash, label, role, institution_id, district_id, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING *`,
      [randomUUID(), prefix, sha256(key), spec.label, spec.role, institutionId, districtId, by.userId],
    );
    return { ...view(rows[0]), key };
  }

  async list(by: Actor): Promise<ApiKeyView[]> {
    const rows = by.districtId
      ? await this.ds.query(`SELECT * FROM api_keys WHERE district_id = $1 ORDER BY created_at DESC`, [by.districtId])
      : await this.ds.query(`SELECT * FROM api_keys ORDER BY created_at DESC`);
    return rows.map(view);
  }

  async revoke(by: Actor, id: string): Promise<ApiKeyView> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected]
    const [rows] = await this.ds.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, $2) WHERE id = $1 AND ($3::text IS NULL OR district_id = $3) RETURNING *`,
      [id, by.userId, by.districtId ?? null],
    );
    if (!rows.length) throw notFound('NOT_FOUND', 'API key', id);
    return view(rows[0]);
  }

  /** The actor a key stands for; any unknown, malformed or revoked key is the same 401. */
  async authenticate(key: string): Promise<Actor> {
    const m = KEY_RE.exec(key);
    const refuse = () => new DomainError('UNAUTHENTICATED', 'the API key is not valid');
    if (!m) throw refuse();
    const rows = await this.ds.query(`SELECT * FROM api_keys WHERE prefix = $1`, [m[1]]);
    const r = rows[0];
    if (!r || !timingSafeEqual(Buffer.from(r.key_hash, 'hex'), Buffer.from(sha256(key), 'hex')) || r.revoked_at) throw refuse();
    // last-used is coarse (a minute) so a busy client does not write a row per request
    await this.ds.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [r.id]);
    return { userId: `apikey:${r.id}`, role: r.role, institutionId: r.institution_id, districtId: r.district_id };
  }
}
