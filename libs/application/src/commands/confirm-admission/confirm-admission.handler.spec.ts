import { Bed } from '@bedlink/domain';
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
    result: { bedId: 'bed-1', programmeId: null },
  },
  {
    name: 'a patient already out of every bed is only admitted (no discharge)',
    stage: 'IN_TRANSFER',
    given: (w) => (w.all.get('obed') as Bed).discharge('earlier', new Date('2026-11-23T07:00:00Z')),
    actor: ACTORS.target,
    payload,
    events: ['BedStatusChanged', 'CareRelationshipAdded', 'PatientAdmitted', 'PlacementConfirmed', 'ReferralCompleted'],
    result: { bedId: 'bed-1' },
  },
  { name: 'the origin may not', stage: 'IN_TRANSFER', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'no admission before the transfer', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
]);
