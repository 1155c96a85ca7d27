import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { DeclineOfferCommand } from './decline-offer.command';
import { DeclineOfferHandler } from './decline-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1', reason: 'NO_CAPACITY' };
describeHandler(DeclineOfferCommand, DeclineOfferHandler, [
  { name: 'the target declines', stage: 'OFFERED', actor: ACTORS.target, payload, events: ['OfferDeclined', 'ReferralEscalated'] },
  { name: 'the origin may not', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'an accepted offer is not declined', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
