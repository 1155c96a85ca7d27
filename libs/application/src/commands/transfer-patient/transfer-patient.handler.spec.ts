import { addBed } from '../../testing/beds';
import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { TransferPatientCommand } from './transfer-patient.command';
import { TransferPatientHandler } from './transfer-patient.handler';

describeHandler(TransferPatientCommand, TransferPatientHandler, [
  {
    name: 'within the hospital: the bed left goes to housekeeping, the new one is occupied',
    given: (w) => addBed(w, 'hbed-2', 'hosp'),
    actor: ACTORS.origin,
    payload: { residentId: '11010519491231002X', toBedId: 'hbed-2' },
    events: ['BedStatusChanged', 'BedStatusChanged', 'StayBegan'],
    result: { bedId: 'hbed-2', fromBedId: 'obed', status: 'O', changed: true },
  },
  {
    name: 'to the bed the patient is in: nothing',
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', toBedId: 'obed' },
    events: [],
    result: { changed: false },
  },
  {
    name: 'to another institution is a referral, not a transfer',
    actor: ACTORS.target,
    payload: { patientId: 'pat-1', toBedId: 'bed-1' },
    refused: 'PATIENT_NOT_IN_BED',
  },
  { name: 'an unknown patient', actor: ACTORS.origin, payload: { residentId: '310104194603151230', toBedId: 'obed' }, refused: 'PATIENT_NOT_FOUND' },
  { name: 'a stranger may not move patients into its bed', actor: ACTORS.stranger, payload: { patientId: 'pat-1', toBedId: 'bed-1' }, refused: 'FORBIDDEN' },
]);
