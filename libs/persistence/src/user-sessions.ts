import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Actor, DISTRICT_ROLES, DomainError, InstitutionType, Role } from '@bedlink/domain';

/** What the sign-in needs of an account (the hash to verify, the second factor, whether it may act). */
export interface AccountForLogin {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  institutionId: string | null;
  districtId: string;
  passwordHash: string;
  totpSecretEnc: string | null;
  disabled: boolean;
}

export interface SessionInfo {
  actor: Actor;
  displayName: string;
  via: 'PASSWORD' | 'OIDC';
  userAccountId: string | null;
  expiresAt: string;
}

export interface AccountListItem {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  institutionId: string | null;
  districtId: string;
  disabled: boolean;
  totp: boolean;
  locked: boolean;
  createdAt: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Console sign-in state: accounts as the login reads them, the failed-attempt counter per typed
 * username, and sessions. Session ids are 256-bit random values handed out in a cookie and stored
 * only as SHA-256, so a database read does not yield a usable session.
 */
export class UserSessions {
  constructor(private readonly ds: DataSource) {}

  async accountByUsername(username: string): Promise<AccountForLogin | null> {
    const r = (await this.ds.query(`SELECT * FROM user_accounts WHERE username = $1`, [username]))[0];
    return r ? this.account(r) : null;
  }

  async accountById(id: string): Promise<AccountForLogin | null> {
    const r = (await this.ds.query(`SELECT * FROM user_accounts WHERE id = $1`, [id]))[0];
    return r ? this.account(r) : null;
  }

  private account(r: any): AccountForLogin {
    return {
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      role: r.role,
      institutionId: r.institution_id,
      districtId: r.district_id,
      passwordHash: r.password_hash,
      totpSecretEnc: r.totp_secret_enc,
      disabled: r.disabled_at !== null,
    };
  }

  /**
   * Counts one attempt for `username` BEFORE the password is checked, in one statement, so parallel
   * guesses cannot all slip in under the limit: at most `limit` attempts are ever verified per window.
   * Failures older than the window are forgotten. Answers whether this attempt may proceed.
   */
  async reserveAttempt(username: string, limit: number, lockMinutes: number): Promise<{ allowed: boolean; retryAfterSec: number }> {
    const rows = await this.ds.query(
      `INSERT INTO login_throttle (username, failures, last_failure_at) VALUES ($1, 1, now())
       ON CONFLICT (username) DO UPDATE SET
         failures = CASE WHEN login_throttle.locked_until IS NULL AND login_throttle.last_failure_at < now() - make_interval(mins => $2)
                           OR login_throttle.locked_until <= now() THEN 1 ELSE login_throttle.failures + 1 END,
         locked_until = CASE WHEN login_throttle.locked_until <= now() THEN NULL ELSE login_throttle.locked_until END,
         last_failure_at = now()
       RETURNING failures, locked_until`,
      [username, lockMinutes],
    );
    const r = rows[0];
    if (r.locked_until && new Date(r.locked_until).getTime() > Date.now())
      return { allowed: false, retryAfterSec: Math.ceil((new Date(r.locked_until).getTime() - Date.now()) / 1000) };
    if (r.failures > limit) {
      await this.ds.query(`UPDATE login_throttle SET locked_until = now() + make_interval(mins => $2) WHERE username = $1`, [username, lockMinutes]);
      return { allowed: false, retryAfterSec: lockMinutes * 60 };
    }
    return { allowed: true, retryAfterSec: 0 };
  }

  /** A successful sign-in forgets the failures. */
  async clearAttempts(username: string): Promise<void> {
    await this.ds.query(`DELETE FROM login_throttle WHERE username = $1`, [username]);
  }

  /** An administrator's unlock (with ENABLE or RESET_PASSWORD). */
  async unlock(username: string): Promise<void> {
    await this.clearAttempts(username);
  }

  /** A fresh session (never one the browser brought: no fixation); the cookie value is returned once. */
  async create(
    a: { actor: Actor; displayName: string; via: 'PASSWORD' | 'OIDC'; userAccountId: string | null },
    ttlHours: number,
  ): Promise<{ sid: string; expiresAt: Date }> {
    const sid = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + ttlHours * 3_600_000);
    await this.ds.query(
      `INSERT INTO user_sessions (id_hash, user_account_id, subject, display_name, role, institution_id, district_id, via, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [sha256(sid), a.userAccountId, a.actor.userId, a.displayName, a.actor.role, a.actor.institutionId, a.actor.districtId ?? null, a.via, expiresAt],
    );
    return { sid, expiresAt };
  }

  /**
   * The session behind a cookie, checked on every request: unknown, revoked or expired sessions,
   * a disabled account, or one whose password or second factor changed after the session began,
   * all refuse alike.
   */
  async authenticate(sid: string): Promise<SessionInfo> {
    const refuse = () => new DomainError('UNAUTHENTICATED', 'the session has ended; sign in again');
    if (!/^[A-Za-z0-9_-]{43}$/.test(sid)) throw refuse();
    const r = (
      await this.ds.query(
        `SELECT s.*, u.disabled_at, u.credentials_changed_at FROM user_sessions s LEFT JOIN user_accounts u ON u.id = s.user_account_id
          WHERE s.id_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
        [sha256(sid)],
      )
    )[0];
    if (!r) throw refuse();
    if (r.user_account_id && (r.disabled_at || new Date(r.credentials_changed_at).getTime() > new Date(r.created_at).getTime())) throw refuse();
    const district = DISTRICT_ROLES.includes(r.role);
    return {
      actor: { userId: r.subject, role: r.role, institutionId: district ? null : r.institution_id, districtId: r.district_id },
      displayName: r.display_name,
      via: r.via,
      userAccountId: r.user_account_id,
      expiresAt: new Date(r.expires_at).toISOString(),
    };
  }

  async revoke(sid: string): Promise<void> {
    await this.ds.query(`UPDATE user_sessions SET revoked_at = now() WHERE id_hash = $1 AND revoked_at IS NULL`, [sha256(sid)]);
  }

  /** An identity provider may name an institution by id or by its code. */
  async institutionByIdOrCode(v: string): Promise<{ id: string; districtId: string; type: InstitutionType } | null> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
    const r = (await this.ds.query(`SELECT id, district_id, type FROM institutions WHERE ${uuid ? 'id = $1::uuid' : 'code = $1'}`, [v]))[0];
    return r ? { id: r.id, districtId: r.district_id, type: r.type } : null;
  }

  async list(districtId: string | null | undefined): Promise<AccountListItem[]> {
    if (!districtId) return [];
    const rows = await this.ds.query(
      `SELECT u.*, (t.locked_until > now()) AS locked FROM user_accounts u LEFT JOIN login_throttle t ON t.username = u.username
        WHERE u.district_id = $1 ORDER BY u.role, u.username`,
      [districtId],
    );
    return rows.map((r: any) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      role: r.role,
      institutionId: r.institution_id,
      districtId: r.district_id,
      disabled: r.disabled_at !== null,
      totp: r.totp_secret_enc !== null,
      locked: r.locked === true,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }
}
