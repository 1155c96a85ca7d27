import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Actor, DISTRICT_ROLES, DomainError, Role } from '@bedlink/domain';

export interface ApiKeyView {
  id: string;
  prefix: string;
  label: string;
  role: Role;
  institutionId: string | null;
  districtId: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
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
  expiresAt: iso(r.expires_at) as string,
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
});

/**
 * Keys look like `blk_<12-char prefix>_<32 random bytes, base64url>`. The prefix is stored in
 * clear for lookup, the whole key only as SHA-256 (a 256-bit random secret needs no slow hash).
 */
export class ApiKeyStore {
  constructor(private readonly ds: DataSource) {}

  /**
   * A fresh key and what may be stored of it. Generated in the API process, which shows the key once;
   * only the prefix and the hash travel on through the command queue into Postgres.
   */
  static newKey(): { key: string; prefix: string; keyHash: string } {
    const prefix = randomBytes(9)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '0')
      .slice(0, 12);
    const key = `blk_${prefix}_${randomBytes(32).toString('base64url')}`;
    return { key, prefix, keyHash: sha256(key) };
  }

  async list(by: Actor): Promise<ApiKeyView[]> {
    // No district, no keys: never "every district's keys".
    if (!by.districtId) return [];
    const rows = await this.ds.query(`SELECT * FROM api_keys WHERE district_id = $1 ORDER BY created_at DESC`, [by.districtId]);
    return rows.map(view);
  }

  /**
   * The actor a key stands for; any unknown, malformed, revoked or expired key is the same 401, and
   * so is a row without the claim its role needs (a district for district roles, an institution otherwise).
   */
  async authenticate(key: string): Promise<Actor> {
    const m = KEY_RE.exec(key);
    const refuse = () => new DomainError('UNAUTHENTICATED', 'the API key is not valid');
    if (!m) throw refuse();
    const rows = await this.ds.query(`SELECT * FROM api_keys WHERE prefix = $1`, [m[1]]);
    const r = rows[0];
    if (!r || !timingSafeEqual(Buffer.from(r.key_hash, 'hex'), Buffer.from(sha256(key), 'hex')) || r.revoked_at) throw refuse();
    if (!(new Date(r.expires_at).getTime() > Date.now())) throw new DomainError('UNAUTHENTICATED', 'the API key has expired');
    const scope = DISTRICT_ROLES.includes(r.role) ? r.district_id : r.institution_id;
    if (!scope) throw new DomainError('UNAUTHENTICATED', `the API key has no ${DISTRICT_ROLES.includes(r.role) ? 'district' : 'institution'} to act for`);
    // last-used is coarse (a minute) so a busy client does not write a row per request
    await this.ds.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [
      r.id,
    ]);
    return { userId: `apikey:${r.id}`, role: r.role, institutionId: DISTRICT_ROLES.includes(r.role) ? null : r.institution_id, districtId: r.district_id };
  }
}
