import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { OpenReserveBedsCommand } from './open-reserve-beds.command';
import { OpenReserveBedsHandler } from './open-reserve-beds.handler';

const payload = { bedIds: ['bed-1'], open: true, reason: 'surge' };
describeHandler(OpenReserveBedsCommand, OpenReserveBedsHandler, [
  { name: 'a bed its institution has not marked as reserve is not opened', actor: ACTORS.district, payload, refused: 'INVALID_TRANSITION' },
  { name: 'another district’s coordinator may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'nor the institution itself', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no bed named', actor: ACTORS.district, payload: { ...payload, bedIds: [] }, refused: 'VALIDATION_FAILED' },
]);
