import { bedBoardDelta } from './bed-board.projector';

const facts = { institutionId: 'cc1', districtId: 'd1', kind: 'HOME_SICKBED', programmeId: 'p1' };

describe('bed board deltas for home programmes', () => {
  it('capacity, holds, enrolments and departures are pure increments that sum to the programme state', () => {
    const events: [string, Record<string, unknown>][] = [
      ['ProgrammeRegistered', { ...facts, capacity: 5 }],
      ['BedReserved', facts],
      ['BedReserved', facts],
      ['ReservationExpired', facts],
      ['PatientEnrolled', facts],
      ['ProgrammeCapacityChanged', { ...facts, delta: 2 }],
      ['EnrolmentEnded', facts],
      ['BedReserved', facts],
    ];
    const sum = { total: 0, free: 0, reserved: 0, occupied: 0 };
    // any order gives the same board
    for (const [type, p] of [...events].reverse()) {
      const d = bedBoardDelta(type, p)!;
      sum.total += d.total;
      for (const k of ['free', 'reserved', 'occupied'] as const) sum[k] += d.moves[k] ?? 0;
    }
    expect(sum).toEqual({ total: 7, free: 6, reserved: 1, occupied: 0 });
  });

  it('events of other aggregates or without a place leave the board alone', () => {
    expect(bedBoardDelta('PatientEnrolled', { ...facts, programmeId: undefined })).toBeNull();
    expect(bedBoardDelta('ReferralSubmitted', facts)).toBeNull();
  });
});
