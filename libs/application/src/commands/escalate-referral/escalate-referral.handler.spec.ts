import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { EscalateReferralCommand } from './escalate-referral.command';
import { EscalateReferralHandler } from './escalate-referral.handler';

const payload = { referralId: 'ref-1', reason: 'no answer' };
describeHandler(EscalateReferralCommand, EscalateReferralHandler, [
  { name: 'the district escalates', stage: 'OFFERED', actor: ACTORS.district, payload, events: ['OfferWithdrawn', 'ReferralEscalated'] },
  { name: 'another district may not', stage: 'OFFERED', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'a completed referral is not escalated', stage: 'COMPLETED', actor: ACTORS.district, payload, refused: 'INVALID_TRANSITION' },
]);
