import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RegisterBedCommand } from './register-bed.command';
import { RegisterBedHandler } from './register-bed.handler';

const payload = { institutionId: 'cc1', kind: 'COMMUNITY', ward: 'W2', label: 'b9' };
describeHandler(RegisterBedCommand, RegisterBedHandler, [
  { name: 'a centre registers its own bed', actor: ACTORS.target, payload, events: ['BedRegistered'] },
  { name: 'another centre may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'a centre holds no hospital beds', actor: ACTORS.target, payload: { ...payload, kind: 'HOSPITAL' }, refused: 'BED_KIND_MISMATCH' },
]);
