import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AcceptOfferCommand } from './accept-offer.command';
import { AcceptOfferHandler } from './accept-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };
describeHandler(AcceptOfferCommand, AcceptOfferHandler, [
  { name: 'the target accepts with the offered bed', stage: 'OFFERED', actor: ACTORS.target, payload, events: ['OfferAccepted', 'BedReserved'] },
  { name: 'another centre may not', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'an escalated referral is not accepted', stage: 'ESCALATED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
