import { addBed } from '../../testing/beds';
import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AdmitPatientCommand } from './admit-patient.command';
import { AdmitPatientHandler } from './admit-patient.handler';

const NEW_RID = '310104194603151230';
describeHandler(AdmitPatientCommand, AdmitPatientHandler, [
  {
    name: 'a patient new to the network is registered and admitted in one go',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: NEW_RID, name: '王小明' },
    events: ['BedStatusChanged', 'StayBegan', 'PatientRegistered'],
    result: { bedId: 'bed-1', status: 'O', changed: true },
  },
  {
    name: 'a new patient without a name is refused',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: NEW_RID },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'a patient already in another bed is refused without saying where',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: '11010519491231002X', name: 'P' },
    refused: 'PATIENT_ALREADY_IN_BED',
  },
  {
    name: 'the same admission again changes nothing',
    actor: ACTORS.origin,
    payload: { bedId: 'obed', residentId: '11010519491231002X', name: 'P' },
    events: [],
    result: { changed: false },
  },
  {
    name: 'another institution may not admit to the bed',
    actor: ACTORS.stranger,
    payload: { bedId: 'bed-1', residentId: NEW_RID, name: 'x' },
    refused: 'FORBIDDEN',
  },
  {
    name: 'a closed bed does not take a patient',
    given: (w) => addBed(w, 'c-bed', 'cc1', 'COMMUNITY').operate('Close', new Date()),
    actor: ACTORS.target,
    payload: { bedId: 'c-bed', residentId: NEW_RID, name: 'x' },
    refused: 'INVALID_TRANSITION',
  },
]);
