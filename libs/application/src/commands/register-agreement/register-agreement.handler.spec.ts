import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RegisterAgreementCommand } from './register-agreement.command';
import { RegisterAgreementHandler } from './register-agreement.handler';

const payload = { fromInstitutionId: 'hosp', toInstitutionId: 'cc1', kinds: ['COMMUNITY'] };
describeHandler(RegisterAgreementCommand, RegisterAgreementHandler, [
  { name: 'the district signs an agreement', actor: ACTORS.district, payload, events: ['AgreementRegistered'] },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'only kinds the target holds', actor: ACTORS.district, payload: { ...payload, kinds: ['HOSPITAL'] }, refused: 'BED_KIND_MISMATCH' },
]);
