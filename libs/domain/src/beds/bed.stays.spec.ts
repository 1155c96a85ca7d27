import { DomainError } from '../shared/errors';
import { Bed, BedProps } from './bed';
import { manualCommandTowards } from './bed-status';

/** A bed's life with patients: admission, discharge, HL7 corrections, stays ending, return holds. */
const T0 = new Date('2026-11-23T08:00:00Z');
const later = (h: number) => new Date(T0.getTime() + h * 3_600_000);
type RegisterProps = Parameters<typeof Bed.register>[0];
const registration = (over: Partial<RegisterProps> = {}): RegisterProps => ({
  id: 'b1',
  institutionId: 'i1',
  districtId: 'd1',
  kind: 'CARE_HOME',
  ward: 'W1',
  label: '1-01',
  services: [],
  sexRestriction: null,
  minCareLevel: null,
  maxCareLevel: null,
  isolationCapable: false,
  basicGuarantee: false,
  ...over,
});
const freshBed = () => {
  const b = Bed.register(registration(), T0);
  b.pullEvents();
  return b;
};
const occupied = (patientId = 'p1') => {
  const b = freshBed();
  b.admit(patientId, 'r0', T0);
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
  throw new Error('not refused');
};
const state = (b: Bed) => ({ status: b.status, occupant: b.props.occupantPatientId, hold: b.props.returnHold ?? null });

describe('Bed registration', () => {
  it('a home kind is no bed, and the care-level range must be a range', () => {
    expect(refusal(() => Bed.register(registration({ kind: 'HOME_SICKBED' as BedProps['kind'] }), T0)).code).toBe('VALIDATION_FAILED');
    expect(refusal(() => Bed.register(registration({ minCareLevel: 4, maxCareLevel: 2 }), T0)).code).toBe('VALIDATION_FAILED');
    expect(Bed.register(registration({ minCareLevel: 2, maxCareLevel: 2 }), T0).props).toMatchObject({ minCareLevel: 2, maxCareLevel: 2 });
    expect(Bed.register(registration({ minCareLevel: 4, maxCareLevel: null }), T0).status).toBe('U');
  });

  it('starts free and unheld; the event carries the bed, not its occupant', () => {
    const b = Bed.register({ ...registration(), basicGuarantee: undefined as unknown as boolean }, T0);
    expect(state(b)).toEqual({ status: 'U', occupant: null, hold: null });
    expect(b.props.basicGuarantee).toBe(false);
    const [e] = b.pullEvents();
    expect(e.type).toBe('BedRegistered');
    expect(e.payload).toMatchObject({ bedId: 'b1', institutionId: 'i1', kind: 'CARE_HOME', basicGuarantee: false });
    expect(e.payload).not.toHaveProperty('occupantPatientId');
  });
});

describe('Bed admission and discharge', () => {
  it('admit: U → O with the patient and the referral on the event', () => {
    const b = freshBed();
    b.admit('p1', 'r1', T0);
    expect(state(b)).toMatchObject({ status: 'O', occupant: 'p1' });
    expect(b.pullEvents().map((e) => [e.type, e.payload])).toEqual([
      ['BedStatusChanged', expect.objectContaining({ bedId: 'b1', from: 'U', to: 'O', command: 'Admit', patientId: 'p1', referralId: 'r1' })],
    ]);
  });

  it('discharge: O → H, the occupant named on the event and gone from the bed', () => {
    const b = occupied();
    b.discharge('r2', T0);
    expect(state(b)).toMatchObject({ status: 'H', occupant: null });
    expect(b.pullEvents()[0].payload).toMatchObject({ from: 'O', to: 'H', command: 'Discharge', patientId: 'p1', referralId: 'r2' });
  });

  it('cancelAdmission (ADT^A11) only for the occupant: O → U', () => {
    const b = occupied();
    expect(refusal(() => b.cancelAdmission('p2', T0))).toEqual({ code: 'PATIENT_NOT_IN_BED', details: { bedId: 'b1' } });
    expect(b.pullEvents()).toEqual([]);
    b.cancelAdmission('p1', T0, 'entered in error');
    expect(state(b)).toMatchObject({ status: 'U', occupant: null });
    const [e] = b.pullEvents();
    expect(e.payload).toMatchObject({ command: 'CancelAdmit', patientId: 'p1', referralId: null });
    expect(e.reason).toBe('entered in error');
  });

  it('cancelDischarge (ADT^A13) takes the patient back unless the bed is held for someone else', () => {
    const b = occupied();
    b.discharge(null, T0);
    b.cancelDischarge('p1', T0, 'entered in error');
    expect(state(b)).toMatchObject({ status: 'O', occupant: 'p1' });
    expect(b.pullEvents().pop()!.payload).toMatchObject({ command: 'CancelDischarge', patientId: 'p1', referralId: null });

    const held = occupied();
    held.discharge(null, T0);
    held.placeReturnHold('p9', later(48), 'r9', T0);
    expect(refusal(() => held.cancelDischarge('p1', T0))).toEqual({ code: 'BED_ALREADY_RESERVED', details: { bedId: 'b1' } });
    const own = occupied();
    own.discharge(null, T0);
    own.placeReturnHold('p1', later(48), 'r9', T0);
    own.cancelDischarge('p1', T0);
    expect(own.status).toBe('O');
  });
});

describe('Bed stays ending (EndStay)', () => {
  const end = (patientId: string, reason = 'DECEASED') => ({ patientId, reason, familyDoctorInstitutionId: 'cc1', endedBy: 'u1' }) as never;

  it('ends the occupant’s stay: O → H and StayEnded with the reason', () => {
    const b = occupied();
    b.endStay(end('p1'), T0, 'note');
    expect(state(b)).toMatchObject({ status: 'H', occupant: null });
    const events = b.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['BedStatusChanged', 'StayEnded']);
    expect(events[0].payload).toMatchObject({ command: 'Discharge', patientId: 'p1', referralId: null, endReason: 'DECEASED' });
    expect(events[1].payload).toMatchObject({ patientId: 'p1', bedId: 'b1', programmeId: null, reason: 'DECEASED', involved: ['cc1'] });
  });

  it('refuses another patient’s stay and the home-programme reason', () => {
    const b = occupied();
    expect(refusal(() => b.endStay(end('p2'), T0))).toEqual({ code: 'STAY_NOT_FOUND', details: { bedId: 'b1', patientId: 'p2' } });
    expect(refusal(() => b.endStay(end('p1', 'ENROLMENT_ENDED'), T0)).code).toBe('VALIDATION_FAILED');
    expect(b.status).toBe('O');
  });
});

describe('Bed return after an aborted transfer (returnTo)', () => {
  it('takes the patient back into a bed in housekeeping or free', () => {
    const h = occupied();
    h.discharge('r1', T0);
    h.pullEvents();
    expect(h.returnTo('p1', 'r1', T0, 'aborted')).toBe(true);
    expect(state(h)).toMatchObject({ status: 'O', occupant: 'p1' });
    expect(h.pullEvents()[0].payload).toMatchObject({ from: 'H', to: 'O', command: 'Readmit', patientId: 'p1', referralId: 'r1' });
    const u = freshBed();
    expect(u.returnTo('p1', 'r1', T0, 'aborted')).toBe(true);
  });

  it('not into an occupied, reserved, closed bed, or one held for someone else', () => {
    expect(occupied('p2').returnTo('p1', 'r1', T0, 'x')).toBe(false);
    const closed = freshBed();
    closed.operate('Close', T0);
    expect(closed.returnTo('p1', 'r1', T0, 'x')).toBe(false);
    expect(closed.status).toBe('C');
    const heldForOther = freshBed();
    heldForOther.placeReturnHold('p9', later(48), 'r9', T0);
    expect(heldForOther.returnTo('p1', 'r1', T0, 'x')).toBe(false);
    expect(heldForOther.status).toBe('U');
  });

  it('a patient coming back to the bed held for them uses the hold', () => {
    const b = freshBed();
    b.placeReturnHold('p1', later(48), 'r9', T0);
    b.pullEvents();
    expect(b.returnTo('p1', 'r1', T0, 'back')).toBe(true);
    expect(state(b)).toEqual({ status: 'O', occupant: 'p1', hold: null });
    expect(b.pullEvents().map((e) => e.type)).toEqual(['ReturnHoldReleased', 'BedStatusChanged']);
  });
});

describe('Bed return holds', () => {
  it('placing one records who and until when', () => {
    const b = freshBed();
    b.placeReturnHold('p1', later(48), 'r1', T0);
    expect(b.props.returnHold).toEqual({ patientId: 'p1', until: later(48) });
    expect(b.pullEvents()[0]).toMatchObject({
      type: 'ReturnHoldPlaced',
      payload: { bedId: 'b1', institutionId: 'i1', districtId: 'd1', kind: 'CARE_HOME', patientId: 'p1', until: later(48).toISOString(), referralId: 'r1' },
    });
  });

  it('keeps the bed from anyone else, but not from its resident', () => {
    const b = freshBed();
    b.placeReturnHold('p1', later(48), 'r1', T0);
    expect(refusal(() => b.assertReservable('p2'))).toEqual({
      code: 'BED_ALREADY_RESERVED',
      details: { bedId: 'b1', returnHoldUntil: later(48).toISOString() },
    });
    expect(() => b.assertReservable('p1')).not.toThrow();
  });

  it('admitting the resident releases it; admitting someone else leaves it', () => {
    const b = freshBed();
    b.placeReturnHold('p1', later(48), 'r1', T0);
    b.pullEvents();
    b.admit('p1', 'r2', T0);
    expect(b.pullEvents().map((e) => e.type)).toEqual(['ReturnHoldReleased', 'BedStatusChanged']);
    expect(b.props.returnHold).toBeNull();
    const other = freshBed();
    other.placeReturnHold('p1', later(48), 'r1', T0);
    other.admit('p2', null, T0);
    expect(other.props.returnHold).toEqual({ patientId: 'p1', until: later(48) });
  });

  it('lapses only once its day has come; released at any time; nothing to end without one', () => {
    const b = freshBed();
    expect(b.endReturnHold(T0, 'released')).toBe(false);
    b.placeReturnHold('p1', later(48), 'r1', T0);
    b.pullEvents();
    expect(b.endReturnHold(later(47), 'lapsed')).toBe(false);
    expect(b.pullEvents()).toEqual([]);
    expect(b.endReturnHold(later(48), 'lapsed')).toBe(true);
    expect(b.pullEvents()[0]).toMatchObject({ type: 'ReturnHoldLapsed', payload: { bedId: 'b1', patientId: 'p1', until: later(48).toISOString() } });
    b.placeReturnHold('p1', later(48), 'r1', T0);
    b.pullEvents();
    expect(b.endReturnHold(T0, 'released', 'given up')).toBe(true);
    const [e] = b.pullEvents();
    expect(e).toMatchObject({ type: 'ReturnHoldReleased', reason: 'given up' });
    expect(b.props.returnHold).toBeNull();
  });
});

describe('Bed reservations and contamination', () => {
  it('a bed not free is not reservable, and says its status', () => {
    const b = occupied();
    expect(refusal(() => b.assertReservable('p2'))).toEqual({ code: 'BED_NOT_AVAILABLE', details: { bedId: 'b1', status: 'O' } });
  });

  it('an occupied bed is not marked contaminated; a free one is', () => {
    const b = occupied();
    expect(refusal(() => b.operate('Contaminate', T0))).toEqual({
      code: 'INVALID_TRANSITION',
      details: { machine: 'Bed', state: 'O', command: 'Contaminate', id: 'b1' },
    });
    const free = freshBed();
    free.operate('Contaminate', T0);
    expect(free.status).toBe('K');
  });
});

describe('manualCommandTowards (HL7 ADT^A20 names a status, not a command)', () => {
  it('finds the one manual command from a status to another, or none', () => {
    expect(manualCommandTowards('H', 'U')).toBe('Clean');
    expect(manualCommandTowards('U', 'C')).toBe('Close');
    expect(manualCommandTowards('C', 'U')).toBe('Reopen');
    // U → O is an admission, not a manual command; O → C has no rule; U → U none
    expect(manualCommandTowards('U', 'O')).toBeNull();
    expect(manualCommandTowards('O', 'C')).toBeNull();
    expect(manualCommandTowards('U', 'U')).toBeNull();
  });
});

describe('Bed held by a live reservation', () => {
  const reserved = () =>
    Bed.rehydrate({ ...registration(), basicGuarantee: false, status: 'U', occupantPatientId: null, liveReservationId: 'res-1', returnHold: null }, 3);

  it('is not reservable again and takes nobody back', () => {
    expect(refusal(() => reserved().assertReservable('p1'))).toEqual({ code: 'BED_ALREADY_RESERVED', details: { bedId: 'b1' } });
    const b = reserved();
    expect(b.returnTo('p1', 'r1', T0, 'aborted')).toBe(false);
    expect(state(b)).toMatchObject({ status: 'U', occupant: null });
  });

  it('a command the status table refuses names the bed', () => {
    expect(refusal(() => freshBed().operate('Clean', T0))).toMatchObject({ code: 'INVALID_TRANSITION', details: expect.objectContaining({ id: 'b1' }) });
  });
});
