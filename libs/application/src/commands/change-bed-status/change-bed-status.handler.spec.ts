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

describeHandler(ChangeBedStatusCommand, ChangeBedStatusHandler, [
  {
    name: 'HL7 A20: a status to reach finds its command',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'K' },
    events: ['BedStatusChanged'],
    result: { status: 'K' },
  },
  {
    name: 'HL7 A20: the status the bed has changes nothing',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'U' },
    events: [],
    result: { changed: false },
  },
  { name: 'HL7 A20: occupancy is not a status update', actor: ACTORS.target, payload: { bedId: 'bed-1', toStatus: 'O' }, refused: 'INVALID_TRANSITION' },
  { name: 'HL7 A20: no single command from U to H', actor: ACTORS.target, payload: { bedId: 'bed-1', toStatus: 'H' }, refused: 'INVALID_TRANSITION' },
]);
