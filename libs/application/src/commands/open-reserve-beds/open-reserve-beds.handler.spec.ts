import { Bed } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { OpenReserveBedsCommand } from './open-reserve-beds.command';
import { OpenReserveBedsHandler } from './open-reserve-beds.handler';

const payload = { bedIds: ['bed-1'], open: true, reason: 'surge' };
/** Reserve beds `bed-r2` (cc1) and `bed-r0` (cc2), closed; with `openAlready`, bed-r2 already opened by the district. */
const reserveBeds =
  (openAlready = false) =>
  (w: FakeUnitOfWork) => {
    for (const [id, inst] of [
      ['bed-r2', 'cc1'],
      ['bed-r0', 'cc2'],
    ]) {
      const b = addBed(w, id, inst, 'COMMUNITY');
      b.markReserve(true, T0);
      b.pullEvents();
    }
    if (openAlready) (w.all.get('bed-r2') as Bed).openReserve(true, T0);
    for (const a of w.all.values()) a.pullEvents();
  };
const bed = (w: FakeUnitOfWork, id: string) => w.all.get(id) as Bed;
describeHandler(OpenReserveBedsCommand, OpenReserveBedsHandler, [
  { name: 'a bed its institution has not marked as reserve is not opened', actor: ACTORS.district, payload, refused: 'INVALID_TRANSITION' },
  { name: 'another district’s coordinator may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'nor the institution itself', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  {
    name: 'no bed named',
    actor: ACTORS.district,
    payload: { ...payload, bedIds: [] },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['bedIds'] },
  },
  {
    name: 'reserve beds opened, each once, in id order, whatever the order and repeats given',
    given: reserveBeds(),
    actor: ACTORS.district,
    payload: { ...payload, bedIds: ['bed-r2', 'bed-r0', 'bed-r2'] },
    after: (w, result) => {
      expect(result).toEqual({
        open: true,
        beds: [
          { bedId: 'bed-r0', institutionId: 'cc2', changed: true },
          { bedId: 'bed-r2', institutionId: 'cc1', changed: true },
        ],
        changed: 2,
      });
      expect(w.reads).toEqual(['bed-r0', 'bed-r2']);
      expect(bed(w, 'bed-r0').props.reserveOpen).toBe(true);
      expect(bed(w, 'bed-r2').props.reserveOpen).toBe(true);
    },
  },
  {
    name: 'a bed already open is counted as unchanged',
    given: reserveBeds(true),
    actor: ACTORS.district,
    payload: { ...payload, bedIds: ['bed-r0', 'bed-r2'] },
    result: {
      changed: 1,
      beds: [
        { bedId: 'bed-r0', changed: true },
        { bedId: 'bed-r2', changed: false },
      ],
    },
  },
  {
    name: 'closing them again',
    given: reserveBeds(true),
    actor: ACTORS.district,
    payload: { bedIds: ['bed-r2', 'bed-r0'], open: false, reason: 'surge over' },
    result: { open: false, changed: 1 },
    after: (w) => expect(bed(w, 'bed-r2').props.reserveOpen).toBe(false),
  },
]);
