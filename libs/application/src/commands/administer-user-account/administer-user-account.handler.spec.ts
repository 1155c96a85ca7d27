import { UserAccount } from '@bedlink/domain';
import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AdministerUserAccountCommand } from './administer-user-account.command';
import { AdministerUserAccountHandler } from './administer-user-account.handler';

const on = (action: string, extra: object = {}) => ({ userAccountId: 'user-1', action, ...extra });
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
  { name: 'a reset without a password is refused', actor: ACTORS.district, payload: on('RESET_PASSWORD'), refused: 'VALIDATION_FAILED' },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload: on('DISABLE'), refused: 'FORBIDDEN' },
  { name: 'the account holder may not disable itself this way', actor: ACTORS.target, payload: on('DISABLE'), refused: 'FORBIDDEN' },
  { name: 'an unknown action', actor: ACTORS.district, payload: on('DELETE'), refused: 'VALIDATION_FAILED' },
]);
