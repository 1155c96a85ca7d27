import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RerouteReferralCommand } from './reroute-referral.command';
import { RerouteReferralHandler } from './reroute-referral.handler';

const payload = { referralId: 'ref-1', reason: 'try cc2', targets: [{ institutionId: 'cc2' }] };
describeHandler(RerouteReferralCommand, RerouteReferralHandler, [
  {
    name: 'the district reroutes to another centre',
    stage: 'ESCALATED',
    actor: ACTORS.district,
    payload,
    events: ['ReferralRerouted', 'OfferExtended', 'PlacementRequested'],
  },
  { name: 'the origin may not', stage: 'ESCALATED', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'only an escalated referral is rerouted', stage: 'OFFERED', actor: ACTORS.district, payload, refused: 'INVALID_TRANSITION' },
]);
