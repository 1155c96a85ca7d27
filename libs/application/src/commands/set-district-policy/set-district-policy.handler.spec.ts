import { defaultPolicy } from '@bedlink/domain';
import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { SetDistrictPolicyCommand } from './set-district-policy.command';
import { SetDistrictPolicyHandler } from './set-district-policy.handler';

const payload = { districtId: 'd1', document: defaultPolicy('d1') };
describeHandler(SetDistrictPolicyCommand, SetDistrictPolicyHandler, [
  { name: 'the district sets its policy', actor: ACTORS.district, payload, events: ['DistrictPolicyChanged'] },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'a document for another district', actor: ACTORS.district, payload: { ...payload, document: defaultPolicy('d2') }, refused: 'VALIDATION_FAILED' },
]);
