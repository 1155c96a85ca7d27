import { Programme, ProgrammeProps } from './programme';

const T0 = new Date('2026-11-23T08:00:00Z');
const base = (over: Partial<ProgrammeProps> = {}): ProgrammeProps => ({
  id: 'p1',
  institutionId: 'cc1',
  districtId: 'd1',
  kind: 'HOME_SICKBED',
  name: '家庭病床',
  capacity: 2,
  serviceArea: { areaCodes: ['A1'], radiusKm: 3 },
  services: [],
  minCareLevel: null,
  maxCareLevel: null,
  liveReservations: 0,
  enrolments: [],
  ...over,
});

describe('Programme (home-bed capacity slots)', () => {
  it('registers only home kinds, with a sane capacity', () => {
    const { liveReservations: _l, enrolments: _e, ...props } = base();
    const p = Programme.register(props, T0);
    expect(p.pullEvents().map((e) => [e.type, e.payload])).toEqual([
      ['ProgrammeRegistered', expect.objectContaining({ programmeId: 'p1', capacity: 2, kind: 'HOME_SICKBED' })],
    ]);
    expect(() => Programme.register({ ...props, kind: 'COMMUNITY' }, T0)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => Programme.register({ ...props, capacity: -1 }, T0)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('holds + enrolments never exceed capacity', () => {
    const p = Programme.rehydrate(base({ liveReservations: 1 }), 1);
    p.assertHasRoom();
    p.noteReserved();
    expect(p.used).toBe(2);
    expect(() => p.assertHasRoom()).toThrow(expect.objectContaining({ code: 'PROGRAMME_FULL' }));
  });

  it('an admission turns a hold into an enrolment; leaving frees the slot', () => {
    const p = Programme.rehydrate(base({ liveReservations: 2 }), 1);
    p.enrol({ enrolmentId: 'e1', patientId: 'pat', referralId: 'r1' }, T0);
    expect([p.props.liveReservations, p.activeEnrolments.length, p.free]).toEqual([1, 1, 0]);
    expect(() => p.enrol({ enrolmentId: 'e2', patientId: 'pat', referralId: 'r2' }, T0)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    expect(p.endEnrolment('pat', 'r3', T0)).toMatchObject({ id: 'e1', endedByReferralId: 'r3' });
    expect(p.endEnrolment('pat', 'r3', T0)).toBeNull();
    expect(p.free).toBe(1);
    expect(p.pullEvents().map((e) => e.type)).toEqual(['PatientEnrolled', 'EnrolmentEnded']);
  });

  it('capacity changes are events with a delta and never go below what is in use', () => {
    const p = Programme.rehydrate(base({ liveReservations: 2 }), 1);
    expect(() => p.changeCapacity(1, T0)).toThrow(expect.objectContaining({ code: 'PROGRAMME_FULL' }));
    p.changeCapacity(5, T0, 'new nurse');
    const [e] = p.pullEvents();
    expect(e).toMatchObject({ type: 'ProgrammeCapacityChanged', payload: { from: 2, to: 5, delta: 3 }, reason: 'new nurse' });
    p.changeCapacity(5, T0);
    expect(p.pullEvents()).toEqual([]);
  });
});
