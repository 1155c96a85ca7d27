import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { MarkReserveBedCommand } from './mark-reserve-bed.command';
import { MarkReserveBedHandler } from './mark-reserve-bed.handler';

describeHandler(MarkReserveBedCommand, MarkReserveBedHandler, [
  {
    name: 'a centre marks its own bed as reserve: closed until the district opens it',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', reserve: true, reason: 'surge plan' },
    events: ['BedReserveMarked'],
    result: { reserve: true, open: false, changed: true },
  },
  {
    name: 'a bed not reserve taken back changes nothing',
    actor: ACTORS.target,
    payload: { bedId: 'bed-1', reserve: false },
    events: [],
    result: { changed: false },
  },
  { name: 'another centre may not', actor: ACTORS.stranger, payload: { bedId: 'bed-1', reserve: true }, refused: 'FORBIDDEN' },
  {
    name: 'nor the district (the institution declares its capacity)',
    actor: ACTORS.district,
    payload: { bedId: 'bed-1', reserve: true },
    refused: 'FORBIDDEN',
  },
]);
