import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RecordFamilyRefusalCommand } from './record-family-refusal.command';
import { RecordFamilyRefusalHandler } from './record-family-refusal.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1', text: '家属希望离家更近' };
describeHandler(RecordFamilyRefusalCommand, RecordFamilyRefusalHandler, [
  {
    name: 'the origin records the refusal: a decline by the patient, then escalation (no candidate left)',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload,
    events: ['OfferDeclined', 'ReferralEscalated'],
    result: { declinedBy: 'PATIENT', state: 'ESCALATED' },
  },
  { name: 'the target may not speak for the family here', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'an accepted offer is no longer refused this way', stage: 'ACCEPTED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
