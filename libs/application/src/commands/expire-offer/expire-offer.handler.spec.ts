import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ExpireOfferCommand } from './expire-offer.command';
import { ExpireOfferHandler } from './expire-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };
describeHandler(ExpireOfferCommand, ExpireOfferHandler, [
  { name: 'the deadline timer expires the offer', stage: 'OFFERED', actor: ACTORS.system, payload, events: ['OfferExpired', 'ReferralEscalated'] },
  { name: 'a person may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'an accepted offer does not expire', stage: 'ACCEPTED', actor: ACTORS.system, payload, refused: 'INVALID_TRANSITION' },
]);
