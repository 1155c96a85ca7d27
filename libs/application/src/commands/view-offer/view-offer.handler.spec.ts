import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ViewOfferCommand } from './view-offer.command';
import { ViewOfferHandler } from './view-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };
describeHandler(ViewOfferCommand, ViewOfferHandler, [
  { name: 'the target opens its offer', stage: 'OFFERED', actor: ACTORS.target, payload, events: ['OfferViewed'] },
  { name: 'another centre may not', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'no offer after escalation', stage: 'ESCALATED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
