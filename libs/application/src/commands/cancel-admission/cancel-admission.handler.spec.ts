import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { CancelAdmissionCommand } from './cancel-admission.command';
import { CancelAdmissionHandler } from './cancel-admission.handler';

describeHandler(CancelAdmissionCommand, CancelAdmissionHandler, [
  {
    name: 'an admission in error frees the bed at once',
    actor: ACTORS.origin,
    payload: { residentId: '11010519491231002X', bedId: 'obed' },
    events: ['BedStatusChanged'],
    result: { status: 'U' },
  },
  { name: 'not the occupant of that bed', actor: ACTORS.target, payload: { patientId: 'pat-1', bedId: 'bed-1' }, refused: 'PATIENT_NOT_IN_BED' },
  { name: 'another institution may not', actor: ACTORS.stranger, payload: { patientId: 'pat-1', bedId: 'obed' }, refused: 'FORBIDDEN' },
]);
