import { DomainError } from '../shared/errors';
import { Bed } from './bed';

/**
 * Reserve (surge) beds: the institution marks a bed as reserve capacity, which keeps it out of every
 * match, offer and hold until the district coordinator opens it; a bed marked again starts closed.
 * Also the admissions an institution records itself (HL7 ADT^A01), which begin a stay (StayBegan).
 */
const T0 = new Date('2026-11-23T08:00:00Z');
const later = (h: number) => new Date(T0.getTime() + h * 3_600_000);
type RegisterProps = Parameters<typeof Bed.register>[0];
const registration = (over: Partial<RegisterProps> = {}): RegisterProps => ({
  id: 'b7',
  institutionId: 'rmc1',
  districtId: 'd1',
  kind: 'HOSPITAL',
  ward: 'ICU',
  label: 'ICU-07',
  services: [],
  sexRestriction: null,
  minCareLevel: null,
  maxCareLevel: null,
  isolationCapable: false,
  ...over,
});
const freshBed = (over: Partial<RegisterProps> = {}) => {
  const b = Bed.register(registration(over), T0);
  b.pullEvents();
  return b;
};
const reserveBed = () => {
  const b = freshBed();
  b.markReserve(true, T0);
  b.pullEvents();
  return b;
};
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return { code: (e as DomainError).code, details: (e as DomainError).details };
  }
  return 'accepted';
};
/** What every reserve event says about the bed (the payload is self-contained). */
const bedRef = { bedId: 'b7', institutionId: 'rmc1', districtId: 'd1', kind: 'HOSPITAL', ward: 'ICU', label: 'ICU-07' };

describe('Bed reserve: marking by the institution', () => {
  it('a newly registered bed is ordinary capacity: not held in reserve, reservable', () => {
    const b = freshBed();
    expect(b.heldInReserve).toBe(false);
    expect(refusal(() => b.assertReservable())).toBe('accepted');
  });

  it('marking a bed reserve takes it out of use, closed, and records BedReserveMarked', () => {
    const b = freshBed();
    expect(b.markReserve(true, later(1), 'winter surge plan')).toBe(true);
    expect(b.props).toMatchObject({ reserve: true, reserveOpen: false, status: 'U' });
    expect(b.heldInReserve).toBe(true);
    const [e, ...rest] = b.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'BedReserveMarked', aggregateId: 'b7', occurredAt: later(1), reason: 'winter surge plan' });
    expect(e.payload).toEqual({ ...bedRef, status: 'U', open: false, reserve: true });
  });

  it('a closed reserve bed is not reservable, and says so in the details', () => {
    const b = reserveBed();
    expect(refusal(() => b.assertReservable('p1'))).toEqual({ code: 'BED_NOT_AVAILABLE', details: { bedId: 'b7', status: 'U', reserve: 'CLOSED' } });
  });

  it('the same answer twice is no change: false, no event', () => {
    const b = reserveBed();
    expect(b.markReserve(true, later(2))).toBe(false);
    expect(b.pullEvents()).toEqual([]);
    const plain = freshBed();
    expect(plain.markReserve(false, later(2))).toBe(false);
    expect(plain.props.reserve).toBeFalsy();
    expect(plain.pullEvents()).toEqual([]);
  });

  it('giving a reserve bed back to normal use makes it reservable again', () => {
    const b = reserveBed();
    expect(b.markReserve(false, later(3))).toBe(true);
    expect(b.heldInReserve).toBe(false);
    expect(refusal(() => b.assertReservable())).toBe('accepted');
    const [e] = b.pullEvents();
    expect(e.type).toBe('BedReserveMarked');
    expect(e.payload).toEqual({ ...bedRef, status: 'U', open: false, reserve: false });
  });

  it('an opened reserve bed given back and marked again starts closed', () => {
    const b = reserveBed();
    b.openReserve(true, later(1));
    b.markReserve(false, later(2));
    expect(b.props.reserveOpen).toBe(false);
    b.markReserve(true, later(3));
    expect(b.heldInReserve).toBe(true);
    expect(refusal(() => b.assertReservable())).toEqual({ code: 'BED_NOT_AVAILABLE', details: { bedId: 'b7', status: 'U', reserve: 'CLOSED' } });
  });

  it('marking does not touch the occupant: the event says the bed is occupied', () => {
    const b = freshBed();
    b.admit('p1', 'r1', T0);
    b.pullEvents();
    expect(b.markReserve(true, later(1))).toBe(true);
    expect(b.props).toMatchObject({ status: 'O', occupantPatientId: 'p1' });
    expect(b.pullEvents()[0].payload).toEqual({ ...bedRef, status: 'O', open: false, reserve: true });
  });
});

describe('Bed reserve: opening and closing by the district', () => {
  it('only a reserve bed can be opened or closed', () => {
    const b = freshBed();
    expect(refusal(() => b.openReserve(true, later(1)))).toEqual({
      code: 'INVALID_TRANSITION',
      details: { machine: 'BedReserve', state: 'NOT_RESERVE', command: 'OpenReserve', id: 'b7' },
    });
    expect(refusal(() => b.openReserve(false, later(1)))).toEqual({
      code: 'INVALID_TRANSITION',
      details: { machine: 'BedReserve', state: 'NOT_RESERVE', command: 'CloseReserve', id: 'b7' },
    });
    expect(b.pullEvents()).toEqual([]);
    expect(b.props.reserveOpen).toBeFalsy();
  });

  it('opening puts the bed back into matching: reservable, BedReserveOpened', () => {
    const b = reserveBed();
    expect(b.openReserve(true, later(1), 'surge declared')).toBe(true);
    expect(b.props).toMatchObject({ reserve: true, reserveOpen: true });
    expect(b.heldInReserve).toBe(false);
    expect(refusal(() => b.assertReservable())).toBe('accepted');
    const [e, ...rest] = b.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'BedReserveOpened', occurredAt: later(1), reason: 'surge declared' });
    expect(e.payload).toEqual({ ...bedRef, status: 'U', open: true, reserve: true });
  });

  it('an opened reserve bed still answers for its status like any other', () => {
    const b = reserveBed();
    b.openReserve(true, later(1));
    b.operate('Close', later(2));
    expect(refusal(() => b.assertReservable())).toEqual({ code: 'BED_NOT_AVAILABLE', details: { bedId: 'b7', status: 'C' } });
  });

  it('closing it again takes it out: BedReserveClosed; the same answer twice is no change', () => {
    const b = reserveBed();
    expect(b.openReserve(false, later(1))).toBe(false); // already closed
    expect(b.pullEvents()).toEqual([]);
    b.openReserve(true, later(2));
    expect(b.openReserve(true, later(3))).toBe(false);
    b.pullEvents();
    expect(b.openReserve(false, later(4), 'surge over')).toBe(true);
    expect(b.heldInReserve).toBe(true);
    const [e, ...rest] = b.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'BedReserveClosed', occurredAt: later(4), reason: 'surge over' });
    expect(e.payload).toEqual({ ...bedRef, status: 'U', open: false, reserve: true });
  });

  it('the reserve flags stay out of the registration snapshot', () => {
    const b = reserveBed();
    expect(b.snapshot()).not.toHaveProperty('reserve');
    expect(b.snapshot()).not.toHaveProperty('reserveOpen');
  });
});

describe('Bed admission recorded by the institution (no referral)', () => {
  it('a direct admission begins a stay: StayBegan with where, how and nobody else involved', () => {
    const b = freshBed();
    b.admit('p1', null, later(1), { via: 'DIRECT_ADMISSION' });
    expect(b.props).toMatchObject({ status: 'O', occupantPatientId: 'p1' });
    const events = b.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['BedStatusChanged', 'StayBegan']);
    expect(events[1]).toMatchObject({ occurredAt: later(1) });
    expect(events[1].payload).toEqual({
      patientId: 'p1',
      institutionId: 'rmc1',
      districtId: 'd1',
      kind: 'HOSPITAL',
      bedId: 'b7',
      ward: 'ICU',
      fromBedId: null,
      via: 'DIRECT_ADMISSION',
      familyDoctorInstitutionId: null,
      involved: [],
    });
  });

  it('a ward transfer names the bed it came from, and the family doctor’s centre is involved', () => {
    const b = freshBed();
    b.admit('p1', null, later(1), { via: 'WARD_TRANSFER', fromBedId: 'b3', familyDoctorInstitutionId: 'cc9' });
    const stay = b.pullEvents().find((e) => e.type === 'StayBegan');
    expect(stay?.payload).toMatchObject({ fromBedId: 'b3', via: 'WARD_TRANSFER', familyDoctorInstitutionId: 'cc9', involved: ['cc9'] });
  });

  it('an admission through a referral, or without saying how, begins no StayBegan', () => {
    const viaReferral = freshBed();
    viaReferral.admit('p1', 'r1', later(1), { via: 'DIRECT_ADMISSION' });
    expect(viaReferral.pullEvents().map((e) => e.type)).toEqual(['BedStatusChanged']);
    const unsaid = freshBed();
    unsaid.admit('p1', null, later(1));
    expect(unsaid.pullEvents().map((e) => e.type)).toEqual(['BedStatusChanged']);
  });
});
