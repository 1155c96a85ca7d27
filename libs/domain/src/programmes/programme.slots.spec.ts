import { DomainError } from '../shared/errors';
import { Programme, ProgrammeProps } from './programme';

/** A programme's slots: capacity bounds, the full check's details, enrolments once each, stays ending. */
const T0 = new Date('2026-11-23T08:00:00Z');
const programme = (over: Partial<ProgrammeProps> = {}) => {
  const p = Programme.rehydrate(
    {
      id: 'p1',
      institutionId: 'cc1',
      districtId: 'd1',
      kind: 'HOME_SICKBED',
      name: 'home wards',
      capacity: 2,
      serviceArea: { areaCodes: [], radiusKm: null },
      services: [],
      minCareLevel: null,
      maxCareLevel: null,
      liveReservations: 0,
      enrolments: [],
      ...over,
    },
    1,
  );
  return p;
};
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return { code: (e as DomainError).code, details: (e as DomainError).details };
  }
  return null;
};
const facts = { programmeId: 'p1', institutionId: 'cc1', districtId: 'd1', kind: 'HOME_SICKBED' };

describe('Programme slots', () => {
  it('capacity is an integer from 0 to 10,000, and never below the slots in use', () => {
    const p = programme();
    for (const c of [-1, 10_001, 1.5]) expect(refusal(() => p.changeCapacity(c, T0))?.code).toBe('VALIDATION_FAILED');
    p.changeCapacity(0, T0);
    p.changeCapacity(10_000, T0);
    expect(p.props.capacity).toBe(10_000);
    const used = programme({ liveReservations: 2 });
    expect(refusal(() => used.changeCapacity(1, T0))).toEqual({ code: 'PROGRAMME_FULL', details: { programmeId: 'p1', used: 2 } });
    used.changeCapacity(2, T0);
    expect(used.props.capacity).toBe(2);
  });

  it('a care-level range must be a range', () => {
    const reg = (min: number | null, max: number | null) => () =>
      Programme.register(
        {
          id: 'p',
          institutionId: 'c',
          districtId: 'd',
          kind: 'HOME_CARE',
          name: 'n',
          capacity: 1,
          serviceArea: { areaCodes: [], radiusKm: null },
          services: [],
          minCareLevel: min,
          maxCareLevel: max,
        },
        T0,
      );
    expect(refusal(reg(3, 2))?.code).toBe('VALIDATION_FAILED');
    expect(refusal(reg(2, 2))).toBeNull();
    expect(refusal(reg(3, null))).toBeNull();
  });

  it('full: its details say the capacity and the slots used', () => {
    const p = programme({ capacity: 1, liveReservations: 1 });
    expect(refusal(() => p.assertHasRoom())).toEqual({ code: 'PROGRAMME_FULL', details: { programmeId: 'p1', capacity: 1, used: 1 } });
  });

  it('enrols a patient once; the events carry the programme’s facts', () => {
    const p = programme();
    p.enrol({ enrolmentId: 'e1', patientId: 'pat', referralId: 'r1' }, T0);
    expect(refusal(() => p.enrol({ enrolmentId: 'e2', patientId: 'pat', referralId: 'r2' }, T0))?.code).toBe('INVALID_TRANSITION');
    p.enrol({ enrolmentId: 'e3', patientId: 'other', referralId: 'r3' }, T0);
    expect(p.pullEvents().map((e) => e.payload)).toEqual([
      { ...facts, enrolmentId: 'e1', patientId: 'pat', referralId: 'r1' },
      { ...facts, enrolmentId: 'e3', patientId: 'other', referralId: 'r3' },
    ]);
  });

  it('ends the named patient’s enrolment only', () => {
    const p = programme();
    p.enrol({ enrolmentId: 'e1', patientId: 'a', referralId: 'r1' }, T0);
    p.enrol({ enrolmentId: 'e2', patientId: 'b', referralId: 'r2' }, T0);
    p.pullEvents();
    expect(p.endEnrolment('b', 'r9', T0)?.id).toBe('e2');
    expect(p.activeEnrolments.map((e) => e.patientId)).toEqual(['a']);
    expect(p.pullEvents()[0].payload).toEqual({ ...facts, enrolmentId: 'e2', patientId: 'b', referralId: 'r9' });
    expect(p.endEnrolment('nobody', null, T0)).toBeNull();
  });

  it('a stay on the programme ends only for an enrolled patient', () => {
    const p = programme();
    p.enrol({ enrolmentId: 'e1', patientId: 'a', referralId: 'r1' }, T0);
    p.pullEvents();
    const end = (patientId: string) => ({ patientId, reason: 'DISCHARGED_HOME', familyDoctorInstitutionId: null, endedBy: 'u1' }) as const;
    expect(refusal(() => p.endStay(end('b'), T0))).toEqual({ code: 'STAY_NOT_FOUND', details: { programmeId: 'p1', patientId: 'b' } });
    p.endStay(end('a'), T0, 'home');
    expect(p.activeEnrolments).toEqual([]);
    const events = p.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['EnrolmentEnded', 'StayEnded']);
    expect(events[1].payload).toMatchObject({ patientId: 'a', programmeId: 'p1', bedId: null, reason: 'DISCHARGED_HOME', involved: [] });
  });
});
