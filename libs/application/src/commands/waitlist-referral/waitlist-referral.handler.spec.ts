import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { WaitlistReferralCommand } from './waitlist-referral.command';
import { WaitlistReferralHandler } from './waitlist-referral.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };
describeHandler(WaitlistReferralCommand, WaitlistReferralHandler, [
  {
    name: 'the target declines for capacity and lists the referral',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload,
    events: ['OfferDeclined', 'ReferralEscalated', 'ReferralWaitlisted'],
    result: { institutionId: 'cc1' },
  },
  { name: 'another institution may not put it on a list', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'the origin may not', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'not once accepted', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
