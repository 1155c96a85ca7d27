import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ExtendOfferCommand } from './extend-offer.command';
import { ExtendOfferHandler } from './extend-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-2', targetInstitutionId: 'cc2' };
describeHandler(ExtendOfferCommand, ExtendOfferHandler, [
  { name: 'the origin offers to a second centre', stage: 'OFFERED', actor: ACTORS.origin, payload, events: ['OfferExtended', 'PlacementRequested'] },
  { name: 'the target may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no offers once in transfer', stage: 'IN_TRANSFER', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
