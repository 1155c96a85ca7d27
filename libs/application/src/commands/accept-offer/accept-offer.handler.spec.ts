import { Bed } from '@bedlink/domain';
import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AcceptOfferCommand } from './accept-offer.command';
import { AcceptOfferHandler } from './accept-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };
describeHandler(AcceptOfferCommand, AcceptOfferHandler, [
  { name: 'the target accepts with the offered bed', stage: 'OFFERED', actor: ACTORS.target, payload, events: ['OfferAccepted', 'BedReserved'] },
  {
    name: 'the answer names the bed, the hold and its end',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload,
    result: { offerId: 'off-1', bedId: 'bed-1', reservationId: expect.any(String), holdUntil: expect.any(String) },
  },
  { name: 'a bed of another centre is refused', stage: 'OFFERED', actor: ACTORS.target, payload: { ...payload, bedId: 'obed' }, refused: 'BED_NOT_AT_TARGET' },
  {
    name: 'a closed bed is refused',
    stage: 'OFFERED',
    given: (w) => (w.all.get('bed-1') as Bed).operate('Close', T0),
    actor: ACTORS.target,
    payload,
    refused: 'BED_NOT_AVAILABLE',
  },
  { name: 'an unknown bed is not found', stage: 'OFFERED', actor: ACTORS.target, payload: { ...payload, bedId: 'nope' }, refused: 'NOT_FOUND' },
  { name: 'another centre may not', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'an escalated referral is not accepted', stage: 'ESCALATED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
