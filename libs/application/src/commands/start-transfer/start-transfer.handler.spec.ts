import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { StartTransferCommand } from './start-transfer.command';
import { StartTransferHandler } from './start-transfer.handler';

const payload = { referralId: 'ref-1' };
describeHandler(StartTransferCommand, StartTransferHandler, [
  { name: 'the origin discharges the patient', stage: 'ACCEPTED', actor: ACTORS.origin, payload, events: ['BedStatusChanged', 'TransferStarted'] },
  { name: 'the target may not', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no transfer before acceptance', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
