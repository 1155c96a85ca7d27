import { isValidResidentId, residentIdFacts } from '@bedlink/domain';
import { RESIDENT_ID_RANGE, residentId } from './support/fixture';

jest.setTimeout(60_000);

/**
 * The fixtures' resident-id generator must never repeat: a repeat registers "the same person"
 * twice and a suite then fails (or passes) depending on the random base it drew. The old one
 * gave n and n + 10,080 the same number whenever ⌊n / 10,080⌋ was even.
 */
describe('residentId (test fixture)', () => {
  it('is valid and carries the sex asked for', () => {
    for (const n of [0, 1, 10_079, 10_080, 5_039_999, 5_040_000, RESIDENT_ID_RANGE - 1]) {
      for (const sex of ['F', 'M'] as const) {
        const id = residentId(n, sex);
        expect(isValidResidentId(id)).toBe(true);
        expect(residentIdFacts(id).sex).toBe(sex);
      }
    }
  });

  it('the old collision: n and n + 10,080 differ', () => {
    for (const n of [0, 7, 20_160, 4_000_000]) expect(residentId(n)).not.toBe(residentId(n + 10_080));
  });

  it('is one-to-one over its whole range, for each sex', () => {
    // n = date + 10,080 x seq. The birth-date digits (6-13) depend on `date` only and the region and
    // sequence digits (0-5, 14-16) on `seq` only, so the id is one-to-one over the 10,080,000 values
    // exactly when each part is one-to-one over its own range: checked below over both whole ranges
    // (a literal walk of all 10,080,000 values per sex takes minutes; it was run once and agreed).
    for (const sex of ['F', 'M'] as const) {
      const dates = new Set<string>();
      const seqs = new Set<string>();
      for (let date = 0; date < 10_080; date++) {
        const id = residentId(date, sex);
        dates.add(id.slice(6, 14));
        // and `seq` does not reach the date digits: the same date under the last seq
        expect(residentId(date + 10_080 * 999, sex).slice(6, 14)).toBe(id.slice(6, 14));
      }
      for (let seq = 0; seq < 1_000; seq++) {
        const id = residentId(10_080 * seq, sex);
        seqs.add(id.slice(0, 6) + id.slice(14, 17));
        // and `date` does not reach the sequence digits: the same seq under the last date
        const other = residentId(10_080 * seq + 10_079, sex);
        expect(other.slice(0, 6) + other.slice(14, 17)).toBe(id.slice(0, 6) + id.slice(14, 17));
      }
      expect(dates.size).toBe(10_080);
      expect(seqs.size).toBe(1_000);
      expect(10_080 * 1_000).toBe(RESIDENT_ID_RANGE);
    }
    expect(() => residentId(RESIDENT_ID_RANGE)).toThrow(RangeError);
  });
});
