import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ChangeBedStatusCommand } from './change-bed-status.command';
import { ChangeBedStatusHandler } from './change-bed-status.handler';

const payload = { bedId: 'bed-1', command: 'Close', reason: 'repairs' };
describeHandler(ChangeBedStatusCommand, ChangeBedStatusHandler, [
  { name: 'a centre closes its own bed', actor: ACTORS.target, payload, events: ['BedStatusChanged'] },
  { name: 'another centre may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'admission is not done by hand', actor: ACTORS.target, payload: { ...payload, command: 'Admit' }, refused: 'VALIDATION_FAILED' },
]);
