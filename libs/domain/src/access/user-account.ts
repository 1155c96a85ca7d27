import { AggregateRoot } from '../shared/events';
import { Role } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { DISTRICT_ROLES } from './permissions';

/**
 * A person who signs in with a username and password (the console). Created and administered by
 * the district coordinator as audited commands; the password only ever as an Argon2id hash made in
 * the API process, the TOTP secret only encrypted. Neither appears in an event, so the audit log,
 * the outbox and the command log never hold them.
 */
export interface UserAccountProps {
  id: string;
  /** Normalised (NFKC, trimmed, lower case): the one spelling lookups, lockout and uniqueness use. */
  username: string;
  displayName: string;
  role: Role;
  institutionId: string | null;
  districtId: string;
  passwordHash: string;
  /** Encrypted TOTP secret, or null when the account signs in with the password alone. */
  totpSecretEnc: string | null;
  disabledAt: Date | null;
  /** Sessions started before this instant are void (password changed, reset or account disabled). */
  credentialsChangedAt: Date;
  createdBy: string;
  createdAt: Date;
}

/** The one spelling of a username: "  Alice " and "alice" are the same account (and the same lockout). */
export function normaliseUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

export const USERNAME_RE = /^[a-z0-9][a-z0-9._@-]{2,63}$/;

export class UserAccount extends AggregateRoot {
  readonly aggregateType = 'UserAccount' as const;
  private constructor(private p: UserAccountProps) {
    super();
  }

  static create(props: Omit<UserAccountProps, 'disabledAt' | 'totpSecretEnc' | 'credentialsChangedAt'>, at: Date): UserAccount {
    if (props.role === 'SYSTEM') throw new DomainError('VALIDATION_FAILED', 'no account can act as the engine itself', { fields: ['role'] });
    const username = normaliseUsername(props.username);
    if (!USERNAME_RE.test(username))
      throw new DomainError('VALIDATION_FAILED', 'a username is 3-64 characters: letters, digits and . _ @ -, starting with a letter or digit', {
        fields: ['username'],
      });
    if (DISTRICT_ROLES.includes(props.role) ? props.institutionId !== null : !props.institutionId)
      throw new DomainError(
        'VALIDATION_FAILED',
        `a ${props.role} account ${DISTRICT_ROLES.includes(props.role) ? 'names no institution' : 'needs an institution'}`,
        {
          fields: ['institutionId'],
        },
      );
    const u = new UserAccount({ ...props, username, totpSecretEnc: null, disabledAt: null, credentialsChangedAt: at });
    u.record(
      'UserAccountCreated',
      { userAccountId: u.p.id, username, displayName: u.p.displayName, role: u.p.role, institutionId: u.p.institutionId, districtId: u.p.districtId },
      at,
    );
    return u;
  }

  static rehydrate(props: UserAccountProps, version: number): UserAccount {
    const u = new UserAccount({ ...props });
    u.version = version;
    return u;
  }
  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<UserAccountProps> {
    return this.p;
  }
  private get ref() {
    return { userAccountId: this.p.id, username: this.p.username, districtId: this.p.districtId };
  }

  /** Disabling ends every session at once (the session check reads disabledAt on each request). */
  disable(at: Date, reason?: string): void {
    if (this.p.disabledAt) return;
    this.p = { ...this.p, disabledAt: at, credentialsChangedAt: at };
    this.record('UserAccountDisabled', this.ref, at, reason);
  }
  enable(at: Date, reason?: string): void {
    if (!this.p.disabledAt) return;
    this.p = { ...this.p, disabledAt: null };
    this.record('UserAccountEnabled', this.ref, at, reason);
  }
  /** A new password (by an administrator: `reset`, or by the user): every existing session ends. */
  setPassword(hash: string, by: 'ADMIN' | 'SELF', at: Date, reason?: string): void {
    this.p = { ...this.p, passwordHash: hash, credentialsChangedAt: at };
    this.record('UserPasswordChanged', { ...this.ref, by }, at, reason);
  }
  /** Turns the second factor on (an encrypted secret) or off (null); off is also an administrator's reset. */
  setTotp(secretEnc: string | null, at: Date): void {
    if (secretEnc === this.p.totpSecretEnc) return;
    this.p = { ...this.p, totpSecretEnc: secretEnc, credentialsChangedAt: at };
    this.record('UserTotpChanged', { ...this.ref, enabled: secretEnc !== null }, at);
  }
}
