import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { CancelReferralCommand } from './cancel-referral.command';
import { CancelReferralHandler } from './cancel-referral.handler';

const payload = { referralId: 'ref-1', reason: 'family withdrew consent' };
describeHandler(CancelReferralCommand, CancelReferralHandler, [
  { name: 'the origin cancels an offered referral', stage: 'OFFERED', actor: ACTORS.origin, payload, events: ['OfferWithdrawn', 'ReferralCancelled'] },
  { name: 'the target may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'a completed referral is not cancelled', stage: 'COMPLETED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
