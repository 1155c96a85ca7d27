import { Bed } from '@bedlink/domain';
import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AbortTransferCommand } from './abort-transfer.command';
import { AbortTransferHandler } from './abort-transfer.handler';

const payload = { referralId: 'ref-1', reason: 'patient deteriorated' };
describeHandler(AbortTransferCommand, AbortTransferHandler, [
  {
    name: 'the origin aborts the transfer: the patient is back in the bed they left',
    stage: 'IN_TRANSFER',
    given: (w) => (w.all.get('obed') as Bed).discharge('ref-1', T0),
    actor: ACTORS.origin,
    payload,
    events: ['BedStatusChanged', 'ReservationReleased', 'ReferralFailed'],
    result: { state: 'FAILED', returnedToBedId: 'obed' },
  },
  {
    name: 'the bed they left was given to someone else: no bed to go back to',
    stage: 'IN_TRANSFER',
    given: (w) => {
      const bed = w.all.get('obed') as Bed;
      bed.discharge('ref-1', T0);
      bed.operate('Clean', T0);
      bed.admit('pat-2', 'other', T0);
    },
    actor: ACTORS.origin,
    payload,
    events: ['ReservationReleased', 'ReferralFailed'],
    result: { returnedToBedId: null },
  },
  { name: 'an uninvolved centre may not', stage: 'IN_TRANSFER', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'nothing to abort before the transfer', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
