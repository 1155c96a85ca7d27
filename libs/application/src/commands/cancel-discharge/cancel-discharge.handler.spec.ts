import { Bed } from '@bedlink/domain';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { CancelDischargeCommand } from './cancel-discharge.command';
import { CancelDischargeHandler } from './cancel-discharge.handler';

const discharged = (w: FakeUnitOfWork) => {
  const bed = w.all.get('obed') as Bed;
  bed.discharge(null, T0);
  bed.pullEvents();
};
describeHandler(CancelDischargeCommand, CancelDischargeHandler, [
  {
    name: 'a discharge in error: the patient is back in the bed not yet cleaned',
    given: discharged,
    actor: ACTORS.origin,
    payload: { residentId: '11010519491231002X', bedId: 'obed' },
    events: ['BedStatusChanged'],
    result: { status: 'O' },
  },
  { name: 'a patient still in a bed', actor: ACTORS.origin, payload: { patientId: 'pat-1', bedId: 'obed' }, refused: 'PATIENT_ALREADY_IN_BED' },
  {
    name: 'a bed not in housekeeping',
    given: discharged,
    actor: ACTORS.target,
    payload: { patientId: 'pat-1', bedId: 'bed-1' },
    refused: 'INVALID_TRANSITION',
  },
  {
    name: 'under a transfer: abort it instead',
    stage: 'IN_TRANSFER',
    given: discharged,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', bedId: 'obed' },
    refused: 'INVALID_TRANSITION',
  },
  { name: 'another institution may not', given: discharged, actor: ACTORS.stranger, payload: { patientId: 'pat-1', bedId: 'obed' }, refused: 'FORBIDDEN' },
  {
    name: 'the bed takes the patient back, with the reason on the event',
    given: discharged,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', bedId: 'obed', reason: 'entered in error' },
    result: { bedId: 'obed', patientId: 'pat-1', status: 'O' },
    after: (w) => {
      expect((w.all.get('obed') as Bed).props.occupantPatientId).toBe('pat-1');
      expect(w.recorded[0]).toMatchObject({ type: 'BedStatusChanged', reason: 'entered in error', payload: { from: 'H', to: 'O', patientId: 'pat-1' } });
    },
  },
  {
    name: 'a live referral not yet in transfer does not stop it',
    stage: 'OFFERED',
    given: discharged,
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', bedId: 'obed' },
    events: ['BedStatusChanged'],
  },
]);
