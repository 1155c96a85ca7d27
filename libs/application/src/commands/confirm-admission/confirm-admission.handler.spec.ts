import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ConfirmAdmissionCommand } from './confirm-admission.command';
import { ConfirmAdmissionHandler } from './confirm-admission.handler';

const payload = { referralId: 'ref-1' };
describeHandler(ConfirmAdmissionCommand, ConfirmAdmissionHandler, [
  {
    name: 'the holder admits the patient',
    stage: 'IN_TRANSFER',
    actor: ACTORS.target,
    payload,
    events: ['BedStatusChanged', 'BedStatusChanged', 'CareRelationshipAdded', 'PatientAdmitted', 'PlacementConfirmed', 'ReferralCompleted'],
  },
  { name: 'the origin may not', stage: 'IN_TRANSFER', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'no admission before the transfer', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
