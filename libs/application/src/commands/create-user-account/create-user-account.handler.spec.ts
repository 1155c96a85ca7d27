import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { CreateUserAccountCommand } from './create-user-account.command';
import { CreateUserAccountHandler } from './create-user-account.handler';

const payload = { id: 'user-2', username: '  Wang.Li ', displayName: '王丽', role: 'DISCHARGE_PLANNER', institutionId: 'hosp', passwordHash: '$argon2id$x' };
describeHandler(CreateUserAccountCommand, CreateUserAccountHandler, [
  {
    name: 'the district creates an account for its hospital, username normalised',
    actor: ACTORS.district,
    payload,
    events: ['UserAccountCreated'],
    result: { username: 'wang.li' },
  },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'an institution role may not', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'a district role names no institution', actor: ACTORS.district, payload: { ...payload, role: 'AUDITOR' }, refused: 'VALIDATION_FAILED' },
  { name: 'an institution role needs one', actor: ACTORS.district, payload: { ...payload, institutionId: null }, refused: 'VALIDATION_FAILED' },
  { name: 'a username with spaces inside is refused', actor: ACTORS.district, payload: { ...payload, username: 'wang li' }, refused: 'VALIDATION_FAILED' },
  { name: 'no account acts as the engine', actor: ACTORS.district, payload: { ...payload, role: 'SYSTEM', institutionId: null }, refused: 'VALIDATION_FAILED' },
]);
