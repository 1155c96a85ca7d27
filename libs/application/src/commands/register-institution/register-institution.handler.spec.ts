import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RegisterInstitutionCommand } from './register-institution.command';
import { RegisterInstitutionHandler } from './register-institution.handler';

const payload = { id: 'cc9', code: 'CC9', name: 'centre 9', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd1' };
describeHandler(RegisterInstitutionCommand, RegisterInstitutionHandler, [
  { name: 'the district registers a centre', actor: ACTORS.district, payload, events: ['InstitutionRegistered'] },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
]);
