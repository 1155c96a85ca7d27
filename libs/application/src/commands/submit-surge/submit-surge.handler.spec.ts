import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { SubmitSurgeCommand } from './submit-surge.command';
import { SubmitSurgeHandler } from './submit-surge.handler';

const payload = {
  referrals: [
    { patientId: 'pat-1', originBedId: 'obed', requestedKind: 'COMMUNITY', services: [], urgency: 'ROUTINE', clinicalSummary: 'stable', consent: true },
  ],
};
describeHandler(SubmitSurgeCommand, SubmitSurgeHandler, [
  {
    name: 'the origin submits a batch; with no servable bed it escalates',
    actor: ACTORS.origin,
    payload,
    events: ['ReferralDrafted', 'ReferralSubmitted', 'ReferralEscalated'],
  },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  { name: 'a district role submits no surge', actor: ACTORS.district, payload, refused: 'FORBIDDEN' },
]);
