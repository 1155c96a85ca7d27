import { Role } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { normaliseUsername, UserAccount } from './user-account';

/**
 * Console sign-in accounts: one spelling per username, district roles name no institution and
 * institution roles need one (DOMAIN.md, "Roles and what they may do"), the engine itself has no
 * account, and neither the password hash nor the TOTP secret ever reaches an event.
 */
const T0 = new Date('2026-11-30T02:00:00Z');
const later = (min: number) => new Date(T0.getTime() + min * 60_000);
type CreateProps = Parameters<typeof UserAccount.create>[0];
const HASH = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA';
const props = (over: Partial<CreateProps> = {}): CreateProps => ({
  id: 'u-1',
  username: 'alice',
  displayName: 'Alice Wang',
  role: 'COMMUNITY_COORDINATOR',
  institutionId: 'cc1',
  districtId: 'd1',
  passwordHash: HASH,
  createdBy: 'admin-1',
  createdAt: T0,
  ...over,
});
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return { code: (e as DomainError).code, details: (e as DomainError).details };
  }
  return 'accepted';
};
const fresh = (over: Partial<CreateProps> = {}) => {
  const u = UserAccount.create(props(over), T0);
  u.pullEvents();
  return u;
};
/** No event may carry a credential, whatever its field name. */
const carriesNoSecret = (u: UserAccount, ...secrets: string[]) => {
  for (const e of u.peekEvents()) for (const s of [HASH, ...secrets]) expect(JSON.stringify(e)).not.toContain(s);
};

describe('normaliseUsername', () => {
  it('gives one spelling: NFKC, trimmed, lower case', () => {
    expect(normaliseUsername('  Alice ')).toBe('alice');
    expect(normaliseUsername('ＡＬＩＣＥ')).toBe('alice'); // full-width letters, as an IME types them
    expect(normaliseUsername('\tBob.Li@CC1\n')).toBe('bob.li@cc1');
  });
});

describe('UserAccount.create', () => {
  it('stores the normalised username, starts enabled without a second factor, sessions valid from now', () => {
    const u = UserAccount.create(props({ username: '  Alice.W ' }), T0);
    expect(u.id).toBe('u-1');
    expect(u.aggregateType).toBe('UserAccount');
    expect(u.props).toMatchObject({
      username: 'alice.w',
      displayName: 'Alice Wang',
      role: 'COMMUNITY_COORDINATOR',
      institutionId: 'cc1',
      districtId: 'd1',
      passwordHash: HASH,
      totpSecretEnc: null,
      disabledAt: null,
      createdBy: 'admin-1',
    });
    expect(u.props.credentialsChangedAt).toEqual(T0);
  });

  it('records UserAccountCreated with who the account is, never its password hash', () => {
    const u = UserAccount.create(props({ username: ' Alice ' }), T0);
    const events = u.peekEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'UserAccountCreated', aggregateType: 'UserAccount', aggregateId: 'u-1', occurredAt: T0 });
    expect(events[0].payload).toEqual({
      userAccountId: 'u-1',
      username: 'alice',
      displayName: 'Alice Wang',
      role: 'COMMUNITY_COORDINATOR',
      institutionId: 'cc1',
      districtId: 'd1',
    });
    carriesNoSecret(u);
  });

  it('no account acts as the engine itself', () => {
    expect(refusal(() => UserAccount.create(props({ role: 'SYSTEM', institutionId: null }), T0))).toEqual({
      code: 'VALIDATION_FAILED',
      details: { fields: ['role'] },
    });
  });

  it('a username is 3-64 of letters, digits and . _ @ -, starting with a letter or digit', () => {
    const accepted = ['abc', 'a'.repeat(64), '7ab', 'bob.li', 'bob_li', 'bob-li', 'bob@cc1', 'a..', 'ABC'];
    for (const username of accepted) expect(refusal(() => UserAccount.create(props({ username }), T0))).toBe('accepted');
    const refused = ['ab', 'a'.repeat(65), '.abc', '_abc', '-abc', '@abc', 'bob li', 'bob!', '!bob', 'bob/li', 'bób', '', '   '];
    for (const username of refused)
      expect(refusal(() => UserAccount.create(props({ username }), T0))).toEqual({ code: 'VALIDATION_FAILED', details: { fields: ['username'] } });
  });

  it('the length is counted after normalising: spaces around a short name do not make it long enough', () => {
    expect(refusal(() => UserAccount.create(props({ username: '  ab  ' }), T0))).toEqual({ code: 'VALIDATION_FAILED', details: { fields: ['username'] } });
  });

  it('district roles name no institution; institution roles need one', () => {
    const district: Role[] = ['DISTRICT_COORDINATOR', 'AUDITOR'];
    const institution: Role[] = ['DISCHARGE_PLANNER', 'COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS', 'FAMILY_DOCTOR'];
    const bad = { code: 'VALIDATION_FAILED', details: { fields: ['institutionId'] } };
    for (const role of district) {
      expect(refusal(() => UserAccount.create(props({ role, institutionId: null }), T0))).toBe('accepted');
      expect(refusal(() => UserAccount.create(props({ role, institutionId: 'cc1' }), T0))).toEqual(bad);
    }
    for (const role of institution) {
      expect(refusal(() => UserAccount.create(props({ role, institutionId: 'cc1' }), T0))).toBe('accepted');
      expect(refusal(() => UserAccount.create(props({ role, institutionId: null }), T0))).toEqual(bad);
      expect(refusal(() => UserAccount.create(props({ role, institutionId: '' }), T0))).toEqual(bad);
    }
  });

  it('does not keep the caller’s object: changing it later changes nothing', () => {
    const input = props();
    const u = UserAccount.create(input, T0);
    input.displayName = 'Mallory';
    expect(u.props.displayName).toBe('Alice Wang');
  });
});

describe('UserAccount.rehydrate', () => {
  it('restores the stored state and version, records nothing', () => {
    const stored = { ...fresh().props, disabledAt: later(5), totpSecretEnc: 'enc:abc' };
    const u = UserAccount.rehydrate(stored, 7);
    expect(u.version).toBe(7);
    expect(u.id).toBe('u-1');
    expect(u.props).toEqual(stored);
    expect(u.props).not.toBe(stored);
    expect(u.pullEvents()).toEqual([]);
  });
});

describe('disable and enable', () => {
  it('disabling ends the sessions (credentials changed now) and records it with the reason', () => {
    const u = fresh();
    u.disable(later(10), 'left the centre');
    expect(u.props.disabledAt).toEqual(later(10));
    expect(u.props.credentialsChangedAt).toEqual(later(10));
    const [e, ...rest] = u.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'UserAccountDisabled', occurredAt: later(10), reason: 'left the centre' });
    expect(e.payload).toEqual({ userAccountId: 'u-1', username: 'alice', districtId: 'd1' });
  });

  it('disabling a disabled account changes nothing: the first instant stays, no event', () => {
    const u = fresh();
    u.disable(later(10));
    u.pullEvents();
    u.disable(later(20), 'again');
    expect(u.props.disabledAt).toEqual(later(10));
    expect(u.props.credentialsChangedAt).toEqual(later(10));
    expect(u.pullEvents()).toEqual([]);
  });

  it('enabling lifts the block but does not revive the sessions it ended', () => {
    const u = fresh();
    u.disable(later(10));
    u.pullEvents();
    u.enable(later(30), 'back from leave');
    expect(u.props.disabledAt).toBeNull();
    expect(u.props.credentialsChangedAt).toEqual(later(10));
    const [e, ...rest] = u.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'UserAccountEnabled', occurredAt: later(30), reason: 'back from leave' });
    expect(e.payload).toEqual({ userAccountId: 'u-1', username: 'alice', districtId: 'd1' });
  });

  it('enabling an enabled account records nothing', () => {
    const u = fresh();
    u.enable(later(5));
    expect(u.props.disabledAt).toBeNull();
    expect(u.pullEvents()).toEqual([]);
  });
});

describe('setPassword', () => {
  it.each(['ADMIN', 'SELF'] as const)('by %s: stores the new hash, ends the sessions, says who, never the hash', (by) => {
    const u = fresh();
    const next = '$argon2id$v=19$m=65536,t=3,p=4$bmV3$bmV3aGFzaA';
    u.setPassword(next, by, later(3), by === 'ADMIN' ? 'reset at the desk' : undefined);
    expect(u.props.passwordHash).toBe(next);
    expect(u.props.credentialsChangedAt).toEqual(later(3));
    carriesNoSecret(u, next);
    const [e, ...rest] = u.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'UserPasswordChanged', occurredAt: later(3) });
    expect(e.payload).toEqual({ userAccountId: 'u-1', username: 'alice', districtId: 'd1', by });
    expect(e.reason).toBe(by === 'ADMIN' ? 'reset at the desk' : undefined);
  });
});

describe('setTotp', () => {
  it('turning the second factor on stores the encrypted secret, ends the sessions, never shows the secret', () => {
    const u = fresh();
    u.setTotp('enc:SECRET-1', later(4));
    expect(u.props.totpSecretEnc).toBe('enc:SECRET-1');
    expect(u.props.credentialsChangedAt).toEqual(later(4));
    carriesNoSecret(u, 'enc:SECRET-1');
    const [e, ...rest] = u.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'UserTotpChanged', occurredAt: later(4) });
    expect(e.payload).toEqual({ userAccountId: 'u-1', username: 'alice', districtId: 'd1', enabled: true });
  });

  it('turning it off (an administrator’s reset) clears the secret and says disabled', () => {
    const u = fresh();
    u.setTotp('enc:SECRET-1', later(4));
    u.pullEvents();
    u.setTotp(null, later(8));
    expect(u.props.totpSecretEnc).toBeNull();
    expect(u.props.credentialsChangedAt).toEqual(later(8));
    const [e] = u.pullEvents();
    expect(e.payload).toEqual({ userAccountId: 'u-1', username: 'alice', districtId: 'd1', enabled: false });
  });

  it('the same setting again is no change: no event, sessions kept', () => {
    const u = fresh();
    u.setTotp(null, later(2));
    expect(u.props.credentialsChangedAt).toEqual(T0);
    expect(u.pullEvents()).toEqual([]);
    u.setTotp('enc:S', later(4));
    u.pullEvents();
    u.setTotp('enc:S', later(6));
    expect(u.props.credentialsChangedAt).toEqual(later(4));
    expect(u.pullEvents()).toEqual([]);
  });

  it('a new secret replacing another is a change', () => {
    const u = fresh();
    u.setTotp('enc:S1', later(4));
    u.pullEvents();
    u.setTotp('enc:S2', later(6));
    expect(u.props.totpSecretEnc).toBe('enc:S2');
    expect(u.pullEvents().map((e) => e.payload)).toEqual([{ userAccountId: 'u-1', username: 'alice', districtId: 'd1', enabled: true }]);
  });
});
