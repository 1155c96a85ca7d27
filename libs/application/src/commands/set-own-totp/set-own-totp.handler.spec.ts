import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { SetOwnTotpCommand } from './set-own-totp.command';
import { SetOwnTotpHandler } from './set-own-totp.handler';

describeHandler(SetOwnTotpCommand, SetOwnTotpHandler, [
  {
    name: 'the holder turns TOTP on',
    actor: ACTORS.target,
    payload: { userAccountId: 'user-1', totpSecretEnc: 'enc' },
    events: ['UserTotpChanged'],
    result: { totp: true },
  },
  { name: 'turning it off when off records nothing', actor: ACTORS.target, payload: { userAccountId: 'user-1', totpSecretEnc: null }, events: [] },
  {
    name: 'someone else cannot',
    actor: { ...ACTORS.stranger, userId: 'someone-else' },
    payload: { userAccountId: 'user-1', totpSecretEnc: 'enc' },
    refused: 'NOT_FOUND',
  },
]);
