import { UserAccount } from '@bedlink/domain';
import { ACTORS, actor, DISTRICT, FakeUnitOfWork } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { CreateUserAccountCommand } from './create-user-account.command';
import { CreateUserAccountHandler } from './create-user-account.handler';

const payload = { id: 'user-2', username: '  Wang.Li ', displayName: '王丽', role: 'DISCHARGE_PLANNER', institutionId: 'hosp', passwordHash: '$argon2id$x' };
const stored = (w: FakeUnitOfWork) => w.all.get('user-2') as UserAccount;
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
  {
    name: 'a district role names no institution',
    actor: ACTORS.district,
    payload: { ...payload, role: 'AUDITOR' },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['institutionId'] },
  },
  {
    name: 'an institution role needs one',
    actor: ACTORS.district,
    payload: { ...payload, institutionId: null },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['institutionId'] },
  },
  {
    name: 'the stored account: the hospital, its district, who created it; the answer shows no secret',
    actor: ACTORS.district,
    payload,
    after: (w, result) => {
      expect(result).toEqual({
        id: 'user-2',
        username: 'wang.li',
        displayName: '王丽',
        role: 'DISCHARGE_PLANNER',
        institutionId: 'hosp',
        districtId: DISTRICT,
        disabled: false,
        totp: false,
      });
      expect(stored(w).props).toMatchObject({ institutionId: 'hosp', districtId: DISTRICT, passwordHash: '$argon2id$x', createdBy: ACTORS.district.userId });
    },
  },
  {
    name: 'a district role takes the coordinator’s district when none is given',
    actor: ACTORS.district,
    payload: { ...payload, role: 'AUDITOR', institutionId: undefined },
    events: ['UserAccountCreated'],
    after: (w, result) => {
      expect(result).toMatchObject({ role: 'AUDITOR', institutionId: null, districtId: DISTRICT });
      expect(stored(w).props).toMatchObject({ institutionId: null, districtId: DISTRICT });
    },
  },
  {
    name: 'a district role in the district named',
    actor: ACTORS.district,
    payload: { ...payload, role: 'DISTRICT_COORDINATOR', institutionId: undefined, districtId: DISTRICT },
    result: { role: 'DISTRICT_COORDINATOR', institutionId: null, districtId: DISTRICT },
  },
  {
    name: 'a district role in another district is not the coordinator’s to create',
    actor: ACTORS.district,
    payload: { ...payload, role: 'AUDITOR', institutionId: undefined, districtId: 'd2' },
    refused: 'FORBIDDEN',
  },
  {
    name: 'a district role with no district to be had',
    actor: actor('DISTRICT_COORDINATOR', null, null),
    payload: { ...payload, role: 'AUDITOR', institutionId: undefined },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['districtId'] },
  },
  {
    name: 'a role the institution does not fit (a community coordinator at a hospital)',
    actor: ACTORS.district,
    payload: { ...payload, role: 'COMMUNITY_COORDINATOR' },
    refused: 'ROLE_INSTITUTION_MISMATCH',
    details: { role: 'COMMUNITY_COORDINATOR', institutionId: 'hosp' },
  },
  { name: 'a username with spaces inside is refused', actor: ACTORS.district, payload: { ...payload, username: 'wang li' }, refused: 'VALIDATION_FAILED' },
  { name: 'no account acts as the engine', actor: ACTORS.district, payload: { ...payload, role: 'SYSTEM', institutionId: null }, refused: 'VALIDATION_FAILED' },
]);
