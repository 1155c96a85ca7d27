import { Bed } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
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
    result: { bedId: 'hbed-2', fromBedId: 'obed', patientId: 'pat-1', status: 'O', changed: true },
    after: (w) => {
      expect(bed(w, 'obed').props).toMatchObject({ status: 'H', occupantPatientId: null });
      expect(bed(w, 'hbed-2').props).toMatchObject({ status: 'O', occupantPatientId: 'pat-1' });
      expect(w.payloadOf('StayBegan')).toMatchObject({ patientId: 'pat-1', bedId: 'hbed-2', fromBedId: 'obed', via: 'WARD_TRANSFER' });
      // the bed left is loaded (and written) first
      expect(w.reads.filter((id) => id === 'obed' || id === 'hbed-2')).toEqual(['obed', 'hbed-2']);
    },
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
  {
    name: 'a bed held by a referral’s reservation is refused',
    given: (w) => w.add(Bed.rehydrate({ ...addBed(w, 'hbed-2', 'hosp').props, liveReservationId: 'res-x' }, 1)),
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', toBedId: 'hbed-2' },
    refused: 'BED_ALREADY_RESERVED',
    details: { bedId: 'hbed-2' },
  },
  {
    name: 'a bed held for another resident’s return is refused',
    given: (w) => returnHeld(w, 'pat-9'),
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', toBedId: 'hbed-2' },
    refused: 'BED_ALREADY_RESERVED',
    details: { bedId: 'hbed-2' },
  },
  {
    name: 'a bed held for this patient’s own return takes them, and the hold ends',
    given: (w) => returnHeld(w, 'pat-1'),
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', toBedId: 'hbed-2' },
    result: { changed: true, status: 'O' },
    after: (w) => expect(bed(w, 'hbed-2').props).toMatchObject({ occupantPatientId: 'pat-1', returnHold: null }),
  },
  {
    name: 'a patient in no bed is admitted, not transferred',
    given: (w) => {
      bed(w, 'obed').discharge('earlier', T0);
      addBed(w, 'hbed-2', 'hosp');
    },
    actor: ACTORS.origin,
    payload: { patientId: 'pat-1', toBedId: 'hbed-2' },
    refused: 'PATIENT_NOT_IN_BED',
  },
]);

function bed(w: FakeUnitOfWork, id: string): Bed {
  return w.all.get(id) as Bed;
}
/** hosp's bed `hbed-2`, free and held for the return of `patientId`. */
function returnHeld(w: FakeUnitOfWork, patientId: string): void {
  const b = addBed(w, 'hbed-2', 'hosp');
  b.placeReturnHold(patientId, new Date(T0.getTime() + 86_400_000), 'earlier', T0);
  b.pullEvents();
}
