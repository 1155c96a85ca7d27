import { addBed } from '../../testing/beds';
import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { DraftReferralCommand } from './draft-referral.command';
import { DraftReferralHandler } from './draft-referral.handler';

const payload = {
  referralId: 'ref-2',
  patientId: 'pat-1',
  originBedId: 'obed',
  requestedKind: 'COMMUNITY',
  services: [],
  urgency: 'ROUTINE',
  clinicalSummary: 'stable',
  consent: true,
};
// the community centre, involved through ref-1's offer, sends the patient up to hospital
const up = { referralId: 'ref-up', patientId: 'pat-1', requestedKind: 'HOSPITAL', services: [], urgency: 'EMERGENCY', clinicalSummary: 'worse', consent: true };
describeHandler(DraftReferralCommand, DraftReferralHandler, [
  {
    name: 'the origin drafts a referral of its patient',
    actor: ACTORS.origin,
    payload,
    events: ['ReferralDrafted'],
    result: { referralId: 'ref-2', state: 'DRAFT', direction: 'DOWNWARD', version: 1 },
  },
  {
    name: 'an origin bed of another institution is refused',
    actor: ACTORS.origin,
    payload: { ...payload, originBedId: 'bed-1' },
    refused: 'BED_NOT_AT_TARGET',
  },
  {
    name: 'an origin bed another patient occupies is refused',
    given: (w) => addBed(w, 'obed2', 'hosp').admit('pat-9', 'earlier', new Date('2026-11-22T00:00:00Z')),
    actor: ACTORS.origin,
    payload: { ...payload, originBedId: 'obed2' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'the live referral is named to an institution involved in it',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload,
    refused: 'PATIENT_HAS_LIVE_REFERRAL',
    details: { referralId: 'ref-1' },
  },
  {
    name: 'an EMERGENCY upward referral replaces a live downward one',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: up,
    events: ['OfferWithdrawn', 'ReferralCancelled', 'ReferralDrafted'],
    result: { referralId: 'ref-up', direction: 'UPWARD' },
  },
  {
    name: 'an URGENT upward referral does not replace it',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { ...up, urgency: 'URGENT' },
    refused: 'PATIENT_HAS_LIVE_REFERRAL',
  },
  {
    name: 'an EMERGENCY referral that is not upward does not replace it',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { ...up, requestedKind: 'HOSPICE' },
    refused: 'PATIENT_HAS_LIVE_REFERRAL',
  },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  { name: 'one live referral per patient', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'PATIENT_HAS_LIVE_REFERRAL' },
]);
