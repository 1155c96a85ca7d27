import { Referral } from '@bedlink/domain';
import { ACTORS, FakeUnitOfWork } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { DeclineOfferCommand } from './decline-offer.command';
import { DeclineOfferHandler } from './decline-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1', reason: 'NO_CAPACITY' };
const offer = (w: FakeUnitOfWork) => (w.all.get('ref-1') as Referral).offer('off-1');
describeHandler(DeclineOfferCommand, DeclineOfferHandler, [
  {
    name: 'the target declines',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload,
    events: ['OfferDeclined', 'ReferralEscalated'],
    result: { referralId: 'ref-1', offerId: 'off-1', state: 'ESCALATED' },
    after: (w) => {
      // a provider's decline unless said otherwise, with no text
      expect(w.payloadOf('OfferDeclined')).toMatchObject({
        offerId: 'off-1',
        reason: 'NO_CAPACITY',
        declinedBy: 'PROVIDER',
        text: null,
        answeredBy: ACTORS.target.userId,
      });
      expect(offer(w)).toMatchObject({ state: 'DECLINED', declineReason: 'NO_CAPACITY', declinedBy: 'PROVIDER', declineText: null });
    },
  },
  {
    name: 'the family’s refusal, relayed by the target, is the patient’s with its text',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { ...payload, reason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PATIENT', text: 'too far from the daughter' },
    after: (w) => {
      expect(w.payloadOf('OfferDeclined')).toMatchObject({ reason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PATIENT', text: 'too far from the daughter' });
      expect(offer(w)).toMatchObject({ state: 'DECLINED', declinedBy: 'PATIENT', declineText: 'too far from the daughter' });
    },
  },
  { name: 'OTHER needs a text', stage: 'OFFERED', actor: ACTORS.target, payload: { ...payload, reason: 'OTHER' }, refused: 'DECLINE_TEXT_REQUIRED' },
  {
    name: 'an offer the referral does not have is not found (not FORBIDDEN)',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { ...payload, offerId: 'off-x' },
    refused: 'OFFER_NOT_FOUND',
    details: { referralId: 'ref-1', offerId: 'off-x' },
  },
  { name: 'the origin may not', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'another centre may not', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'an accepted offer is not declined', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
