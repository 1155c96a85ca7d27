import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RevokeAcceptanceCommand } from './revoke-acceptance.command';
import { RevokeAcceptanceHandler } from './revoke-acceptance.handler';

const payload = { referralId: 'ref-1', reason: 'bed flooded' };
describeHandler(RevokeAcceptanceCommand, RevokeAcceptanceHandler, [
  {
    name: 'the holder gives the bed back',
    stage: 'ACCEPTED',
    actor: ACTORS.target,
    payload,
    events: ['ReservationReleased', 'OfferRevoked', 'ReferralEscalated'],
  },
  { name: 'the origin may not', stage: 'ACCEPTED', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'nothing to revoke once in transfer', stage: 'IN_TRANSFER', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
