import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { UpdateInstitutionCommand } from './update-institution.command';
import { UpdateInstitutionHandler } from './update-institution.handler';

const payload = { institutionId: 'cc1', name: '江宁路社区卫生服务中心（新址）', lat: 31.24, lng: 121.44, services: ['REHAB'], ownership: 'PUBLIC' };
describeHandler(UpdateInstitutionCommand, UpdateInstitutionHandler, [
  { name: 'the district coordinator updates it, audited', actor: ACTORS.district, payload, events: ['InstitutionUpdated'], result: { changed: true } },
  {
    name: 'the same values again change nothing',
    actor: ACTORS.district,
    payload: { institutionId: 'cc1', name: 'cc1' },
    events: [],
    result: { changed: false },
  },
  { name: 'another district’s coordinator may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'the institution itself may not', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
]);
