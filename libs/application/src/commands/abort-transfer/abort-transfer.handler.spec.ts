import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AbortTransferCommand } from './abort-transfer.command';
import { AbortTransferHandler } from './abort-transfer.handler';

const payload = { referralId: 'ref-1', reason: 'patient deteriorated' };
describeHandler(AbortTransferCommand, AbortTransferHandler, [
  { name: 'the origin aborts the transfer', stage: 'IN_TRANSFER', actor: ACTORS.origin, payload, events: ['ReservationReleased', 'ReferralFailed'] },
  { name: 'an uninvolved centre may not', stage: 'IN_TRANSFER', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'nothing to abort before the transfer', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
