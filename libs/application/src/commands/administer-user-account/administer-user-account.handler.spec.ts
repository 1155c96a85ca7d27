import { UserAccount } from '@bedlink/domain';
import { ACTORS, DISTRICT, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AdministerUserAccountCommand } from './administer-user-account.command';
import { AdministerUserAccountHandler } from './administer-user-account.handler';

const on = (action: string, extra: object = {}) => ({ userAccountId: 'user-1', action, ...extra });
const account = (w: FakeUnitOfWork, id: string) => w.all.get(id) as UserAccount;
/** `user-d`: the district coordinator's own sign-in account (its username is ACTORS.district's userId). */
const coordinatorAccount = (w: FakeUnitOfWork) => {
  const u = UserAccount.create(
    {
      id: 'user-d',
      username: ACTORS.district.userId,
      displayName: 'district coordinator',
      role: 'DISTRICT_COORDINATOR',
      institutionId: null,
      districtId: DISTRICT,
      passwordHash: '$argon2id$fake',
      createdBy: 'u-admin',
      createdAt: T0,
    },
    T0,
  );
  u.pullEvents();
  w.add(u);
};
describeHandler(AdministerUserAccountCommand, AdministerUserAccountHandler, [
  {
    name: 'the district disables an account',
    actor: ACTORS.district,
    payload: on('DISABLE', { reason: 'left' }),
    events: ['UserAccountDisabled'],
    result: { disabled: true },
  },
  {
    name: 'disable then enable',
    actor: ACTORS.district,
    given: (w) => (w.all.get('user-1') as UserAccount).disable(T0, 'x'),
    payload: on('ENABLE'),
    events: ['UserAccountEnabled'],
  },
  { name: 'enabling an enabled account records nothing', actor: ACTORS.district, payload: on('ENABLE'), events: [] },
  { name: 'a password reset', actor: ACTORS.district, payload: on('RESET_PASSWORD', { passwordHash: '$argon2id$y' }), events: ['UserPasswordChanged'] },
  {
    name: 'a reset without a password is refused',
    actor: ACTORS.district,
    payload: on('RESET_PASSWORD'),
    refused: 'VALIDATION_FAILED',
    details: { fields: ['password'] },
  },
  {
    name: 'a password reset stores the new hash, by an administrator',
    actor: ACTORS.district,
    payload: on('RESET_PASSWORD', { passwordHash: '$argon2id$y' }),
    after: (w) => {
      expect(account(w, 'user-1').props.passwordHash).toBe('$argon2id$y');
      expect(w.payloadOf('UserPasswordChanged')).toMatchObject({ by: 'ADMIN' });
    },
  },
  {
    name: 'a second-factor reset turns it off',
    actor: ACTORS.district,
    given: (w) => {
      account(w, 'user-1').setTotp('enc-secret', T0);
      account(w, 'user-1').pullEvents();
    },
    payload: on('RESET_TOTP'),
    events: ['UserTotpChanged'],
    result: { id: 'user-1', totp: false, disabled: false },
    after: (w) => {
      expect(account(w, 'user-1').props.totpSecretEnc).toBeNull();
      expect(w.payloadOf('UserTotpChanged')).toMatchObject({ enabled: false });
    },
  },
  {
    name: 'a coordinator may not disable its own account',
    actor: ACTORS.district,
    given: coordinatorAccount,
    payload: { userAccountId: 'user-d', action: 'DISABLE' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'another coordinator of the district may disable it',
    actor: { ...ACTORS.district, userId: 'u-other-coordinator' },
    given: coordinatorAccount,
    payload: { userAccountId: 'user-d', action: 'DISABLE' },
    events: ['UserAccountDisabled'],
    result: { id: 'user-d', disabled: true },
    after: (w) => expect(account(w, 'user-d').props.disabledAt).toEqual(T0),
  },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload: on('DISABLE'), refused: 'FORBIDDEN' },
  { name: 'the account holder may not disable itself this way', actor: ACTORS.target, payload: on('DISABLE'), refused: 'FORBIDDEN' },
  { name: 'an unknown action', actor: ACTORS.district, payload: on('DELETE'), refused: 'VALIDATION_FAILED', details: { fields: ['action'] } },
]);
