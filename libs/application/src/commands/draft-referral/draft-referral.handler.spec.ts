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
describeHandler(DraftReferralCommand, DraftReferralHandler, [
  { name: 'the origin drafts a referral of its patient', actor: ACTORS.origin, payload, events: ['ReferralDrafted'] },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  { name: 'one live referral per patient', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'PATIENT_HAS_LIVE_REFERRAL' },
]);
