import { Bed, Patient } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
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
  {
    name: 'a district role records no admission (no institution of its own)',
    actor: ACTORS.district,
    payload: { bedId: 'bed-1', residentId: NEW_RID, name: 'x' },
    refused: 'FORBIDDEN',
  },
  {
    name: 'a blank name does not register a new patient',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: NEW_RID, name: '   ' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'the new patient is stored with the name trimmed, in the bed',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: NEW_RID, name: '  王小明 ' },
    after: async (w, result) => {
      const patient = await w.getPatient(result.patientId as string);
      expect(patient.props).toMatchObject({ name: '王小明', registeredBy: 'cc1' });
      expect(bed(w, 'bed-1').props.occupantPatientId).toBe(patient.id);
    },
  },
  {
    name: 'a known patient needs no name; the family doctor’s centre is told of the stay',
    given: (w) => {
      bed(w, 'obed').discharge('earlier', T0);
      w.add(Patient.rehydrate({ ...(w.all.get('pat-1') as Patient).props, familyDoctorInstitutionId: 'cc2' }, 1));
    },
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: '11010519491231002x' },
    result: { bedId: 'bed-1', patientId: 'pat-1', status: 'O', changed: true },
    after: (w) =>
      expect(w.payloadOf('StayBegan')).toMatchObject({
        patientId: 'pat-1',
        bedId: 'bed-1',
        via: 'DIRECT_ADMISSION',
        familyDoctorInstitutionId: 'cc2',
        involved: ['cc2'],
      }),
  },
  {
    name: 'a bed a reservation holds is refused',
    given: (w) => w.add(Bed.rehydrate({ ...bed(w, 'bed-1').props, liveReservationId: 'res-x' }, 1)),
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: NEW_RID, name: 'x' },
    refused: 'BED_ALREADY_RESERVED',
    details: { bedId: 'bed-1' },
  },
  {
    name: 'a bed held for another resident’s return is refused',
    given: (w) => returnHeld(w, 'pat-9'),
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: NEW_RID, name: 'x' },
    refused: 'BED_ALREADY_RESERVED',
    details: { bedId: 'bed-1' },
  },
  {
    name: 'a bed held for this resident’s return takes them back',
    given: (w) => {
      bed(w, 'obed').discharge('earlier', T0);
      returnHeld(w, 'pat-1');
    },
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', residentId: '11010519491231002X' },
    result: { changed: true },
    after: (w) => expect(bed(w, 'bed-1').props).toMatchObject({ occupantPatientId: 'pat-1', returnHold: null }),
  },
]);

function bed(w: FakeUnitOfWork, id: string): Bed {
  return w.all.get(id) as Bed;
}
/** cc1's bed-1 held for the return of `patientId`. */
function returnHeld(w: FakeUnitOfWork, patientId: string): void {
  bed(w, 'bed-1').placeReturnHold(patientId, new Date(T0.getTime() + 86_400_000), 'earlier', T0);
  for (const a of w.all.values()) a.pullEvents();
}
