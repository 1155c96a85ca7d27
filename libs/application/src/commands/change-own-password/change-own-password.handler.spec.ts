import { UserAccount } from '@bedlink/domain';
import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ChangeOwnPasswordCommand } from './change-own-password.command';
import { ChangeOwnPasswordHandler } from './change-own-password.handler';

const payload = { userAccountId: 'user-1', passwordHash: '$argon2id$new' };
describeHandler(ChangeOwnPasswordCommand, ChangeOwnPasswordHandler, [
  { name: 'the holder changes its password', actor: ACTORS.target, payload, events: ['UserPasswordChanged'] },
  { name: 'someone else cannot, not even the district', actor: ACTORS.district, payload, refused: 'NOT_FOUND' },
  { name: 'a stranger cannot', actor: { ...ACTORS.stranger, userId: 'someone-else' }, payload, refused: 'NOT_FOUND' },
  {
    name: 'a disabled account cannot',
    actor: ACTORS.target,
    given: (w) => (w.all.get('user-1') as UserAccount).disable(T0, 'x'),
    payload,
    refused: 'NOT_FOUND',
  },
]);
