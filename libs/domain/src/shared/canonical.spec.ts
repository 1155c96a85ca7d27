import { auditHash, canonicalJson, GENESIS_HASH } from './canonical';
import { isValidResidentId, residentIdCheckChar } from '../patients/resident-id';

describe('canonical JSON and the audit hash', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('is stable across a JSON round trip (as from jsonb)', () => {
    const v = { x: 'é', n: 12.5, when: '2026-01-01T00:00:00.000Z', list: ['b', 'a'] };
    expect(canonicalJson(JSON.parse(JSON.stringify(v)))).toBe(canonicalJson(v));
  });
  it('changes the hash when any field changes', () => {
    const rec = {
      aggregateType: 'Referral',
      aggregateId: 'r',
      aggregateSeq: 1,
      eventId: 'e',
      eventType: 'ReferralDrafted',
      payload: { a: 1 },
      actorUser: 'u',
      actorRole: 'DISCHARGE_PLANNER',
      actorInstitution: 'i',
      reason: null,
      correlationId: 'c',
      causationId: null,
      occurredAt: new Date(0),
      prevHash: GENESIS_HASH,
    };
    const h = auditHash(rec);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash({ ...rec, payload: { a: 2 } })).not.toBe(h);
    expect(auditHash({ ...rec, prevHash: h })).not.toBe(h);
    expect(auditHash({ ...rec })).toBe(h);
  });
});

describe('canonical JSON: the values JSON itself spells one way only', () => {
  it('null is null, at the top and inside objects and arrays', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
    expect(canonicalJson([null])).toBe('[null]');
  });
  it('an array keeps its order and its length: an undefined element is null, as JSON.stringify writes it', () => {
    expect(canonicalJson([3, undefined, 1])).toBe('[3,null,1]');
    expect(canonicalJson([3, undefined, 1])).toBe(JSON.stringify([3, undefined, 1]));
    expect(canonicalJson({ list: ['b', 'a'] })).toBe('{"list":["b","a"]}');
  });
  it('a Date is its ISO instant', () => {
    expect(canonicalJson({ at: new Date('2026-11-30T02:00:00Z') })).toBe('{"at":"2026-11-30T02:00:00.000Z"}');
  });
  it('refuses a number JSON cannot carry, rather than hashing it as null', () => {
    for (const n of [NaN, Infinity, -Infinity]) expect(() => canonicalJson({ n })).toThrow(Error);
    expect(canonicalJson({ n: -0.5 })).toBe('{"n":-0.5}');
  });
});

describe('GB 11643 resident id', () => {
  it('accepts a number with the right check character and rejects a wrong one', () => {
    const body = '11010519491231002';
    const good = body + residentIdCheckChar(body);
    expect(isValidResidentId(good)).toBe(true);
    const wrong = body + (good.endsWith('1') ? '2' : '1');
    expect(isValidResidentId(wrong)).toBe(false);
  });
  it('rejects impossible birth dates and bad shapes', () => {
    const body = '11010519490231002';
    expect(isValidResidentId(body + residentIdCheckChar(body))).toBe(false);
    expect(isValidResidentId('abc')).toBe(false);
    expect(isValidResidentId('11010519491231002x')).toBe(false);
  });
});
