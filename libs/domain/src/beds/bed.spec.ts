import { DomainError } from '../shared/errors';
import { canApply } from '../shared/state-machine';
import { Bed, BedProps } from './bed';
import { directionOf, BED_KINDS, BedKind } from './bed-kinds';
import { BED_COMMANDS, BED_STATUS_MACHINE, BED_STATUSES } from './bed-status';

const T0 = new Date('2026-11-23T08:00:00Z');
const props = (over: Partial<BedProps> = {}): BedProps => ({
  id: 'b1',
  institutionId: 'i1',
  districtId: 'd1',
  kind: 'COMMUNITY',
  ward: 'Rehab 2',
  label: '2-01',
  status: 'U',
  occupantPatientId: null,
  liveReservationId: null,
  services: ['REHAB'],
  sexRestriction: null,
  minCareLevel: null,
  maxCareLevel: null,
  isolationCapable: false,
  ...over,
});

describe('Bed status table (HL7 v2 0116)', () => {
  const cells = BED_STATUSES.flatMap((s) => BED_COMMANDS.map((c) => [s, c] as const));
  it.each(cells)('%s × %s follows the table', (status, command) => {
    const bed = Bed.rehydrate(props({ status, occupantPatientId: status === 'O' ? 'p1' : null }), 1);
    if (canApply(BED_STATUS_MACHINE, status, command)) {
      bed.operate(command, T0);
      expect(bed.status).toBe(BED_STATUS_MACHINE.rules.find((r) => r.from === status && r.command === command)!.to[0]);
      const [event] = bed.pullEvents();
      expect(event.type).toBe('BedStatusChanged');
      expect(event.payload).toMatchObject({ from: status, to: bed.status, command });
    } else {
      expect(() => bed.operate(command, T0)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
      expect(bed.status).toBe(status);
    }
  });

  it('a reserved or non-U bed is not reservable', () => {
    expect(() => Bed.rehydrate(props({ liveReservationId: 'r' }), 1).assertReservable()).toThrow(expect.objectContaining({ code: 'BED_ALREADY_RESERVED' }));
    expect(() => Bed.rehydrate(props({ status: 'H' }), 1).assertReservable()).toThrow(expect.objectContaining({ code: 'BED_NOT_AVAILABLE' }));
    expect(() => Bed.rehydrate(props(), 1).assertReservable()).not.toThrow();
  });

  it('home kinds are not registered as physical beds', () => {
    expect(() => Bed.register({ ...props({ kind: 'HOME_SICKBED' }) }, T0)).toThrow(DomainError);
  });
});

describe('direction', () => {
  const expected = (from: BedKind, to: BedKind) =>
    from === 'HOSPITAL' && to !== 'HOSPITAL' ? 'DOWNWARD' : from !== 'HOSPITAL' && to === 'HOSPITAL' ? 'UPWARD' : 'LATERAL';
  it.each(BED_KINDS.flatMap((a) => BED_KINDS.map((b) => [a, b] as const)))('%s → %s', (a, b) => {
    expect(directionOf(a, b)).toBe(expected(a, b));
  });
  it('names the four downward targets and the four upward origins', () => {
    expect(BED_KINDS.filter((k) => directionOf('HOSPITAL', k) === 'DOWNWARD')).toEqual(['COMMUNITY', 'HOSPICE', 'HOME_SICKBED', 'CARE_HOME', 'HOME_CARE']);
  });
});
