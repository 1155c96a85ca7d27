import { Referral } from '@bedlink/domain';
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
  {
    name: 'the offer is stored as declined by the patient, with the family’s words',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload,
    result: { offerId: 'off-1' },
    after: (w) => {
      expect((w.all.get('ref-1') as Referral).offer('off-1')).toMatchObject({
        state: 'DECLINED',
        declineReason: 'PATIENT_OR_FAMILY_DECLINED',
        declinedBy: 'PATIENT',
        declineText: payload.text,
      });
      expect(w.payloadOf('OfferDeclined')).toMatchObject({ reason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PATIENT', text: payload.text });
    },
  },
  {
    name: 'without the family’s words: no text',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { referralId: 'ref-1', offerId: 'off-1' },
    after: (w) => expect(w.payloadOf('OfferDeclined')).toMatchObject({ declinedBy: 'PATIENT', text: null }),
  },
  {
    name: 'an offer the referral does not have is not found',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { ...payload, offerId: 'off-x' },
    refused: 'OFFER_NOT_FOUND',
    details: { offerId: 'off-x' },
  },
]);
