import { Bed } from '@bedlink/domain';
import { ACTORS, FakeUnitOfWork } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ChangeBedStatusCommand } from './change-bed-status.command';
import { ChangeBedStatusHandler } from './change-bed-status.handler';

const payload = { bedId: 'bed-1', command: 'Close', reason: 'repairs' };
const bed = (w: FakeUnitOfWork, id: string) => w.all.get(id) as Bed;
/** bed-1 as stored while a referral's reservation holds it. */
const held = (w: FakeUnitOfWork) => w.add(Bed.rehydrate({ ...bed(w, 'bed-1').props, liveReservationId: 'res-x' }, 1));

describeHandler(ChangeBedStatusCommand, ChangeBedStatusHandler, [
  {
    name: 'a centre closes its own bed',
    actor: ACTORS.target,
    payload,
    events: ['BedStatusChanged'],
    result: { bedId: 'bed-1', status: 'C', changed: true },
    after: (w) => {
      expect(bed(w, 'bed-1').status).toBe('C');
      expect(w.recorded[0]).toMatchObject({ reason: 'repairs', payload: { bedId: 'bed-1', from: 'U', to: 'C', command: 'Close' } });
    },
  },
  { name: 'another centre may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'admission is not done by hand', actor: ACTORS.target, payload: { ...payload, command: 'Admit' }, refused: 'VALIDATION_FAILED' },
  {
    name: 'a bed held for a referral keeps its status until the hold is revoked',
    given: held,
    actor: ACTORS.target,
    payload,
    refused: 'BED_ALREADY_RESERVED',
    details: { bedId: 'bed-1' },
  },
]);

describeHandler(ChangeBedStatusCommand, ChangeBedStatusHandler, [
  {
    name: 'HL7 A20: a status to reach finds its command',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'K' },
    events: ['BedStatusChanged'],
    result: { bedId: 'bed-1', status: 'K', changed: true },
    after: (w) => expect(w.payloadOf('BedStatusChanged')).toMatchObject({ from: 'U', to: 'K', command: 'Contaminate' }),
  },
  {
    name: 'HL7 A20: the status the bed has changes nothing',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'U' },
    events: [],
    result: { bedId: 'bed-1', status: 'U', changed: false },
  },
  {
    name: 'HL7 A20: the status a held bed has changes nothing either (a repeated report)',
    given: held,
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'U' },
    events: [],
    result: { changed: false },
  },
  {
    name: 'HL7 A20: occupancy is not a status update',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'O' },
    refused: 'INVALID_TRANSITION',
    details: { bedId: 'bed-1', status: 'U', toStatus: 'O' },
  },
  {
    name: 'HL7 A20: an occupied bed is not set free by a status update',
    actor: ACTORS.origin,
    payload: { bedId: 'obed', toStatus: 'U' },
    refused: 'INVALID_TRANSITION',
    details: { bedId: 'obed', status: 'O', toStatus: 'U' },
  },
  {
    name: 'HL7 A20: no single command from U to H',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'H' },
    refused: 'INVALID_TRANSITION',
    details: { bedId: 'bed-1', status: 'U', toStatus: 'H' },
  },
  {
    name: 'neither a command nor a status: nothing to do',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1' },
    refused: 'INVALID_TRANSITION',
    details: { bedId: 'bed-1', status: 'U', toStatus: null },
  },
  {
    name: 'a held bed reaching a status by hand is refused too',
    given: held,
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', toStatus: 'C' },
    refused: 'BED_ALREADY_RESERVED',
  },
]);
