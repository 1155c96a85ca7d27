import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { SubmitReferralCommand } from './submit-referral.command';
import { SubmitReferralHandler } from './submit-referral.handler';

const payload = { referralId: 'ref-1' };
describeHandler(SubmitReferralCommand, SubmitReferralHandler, [
  { name: 'the origin submits its draft', stage: 'DRAFT', actor: ACTORS.origin, payload, events: ['ReferralSubmitted'] },
  { name: 'another institution may not', stage: 'DRAFT', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'a submitted referral is not submitted again', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
