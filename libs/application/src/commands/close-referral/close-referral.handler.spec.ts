import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { CloseReferralCommand } from './close-referral.command';
import { CloseReferralHandler } from './close-referral.handler';

const payload = { referralId: 'ref-1', reason: 'no bed in the district' };
describeHandler(CloseReferralCommand, CloseReferralHandler, [
  { name: 'the district closes an escalated referral', stage: 'ESCALATED', actor: ACTORS.district, payload, events: ['ReferralRejected'] },
  { name: 'the origin may not', stage: 'ESCALATED', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'only an escalated referral is closed', stage: 'OFFERED', actor: ACTORS.district, payload, refused: 'INVALID_TRANSITION' },
]);
