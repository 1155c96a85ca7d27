import { Actor } from '@bedlink/domain';
import type { LiveEvent } from '@bedlink/contracts';
import { liveChannelsOf, liveCityPattern, liveEventFor, liveEventVisibleTo, liveSubscriptionOf } from './live';

const ev = (type: string, payload: Record<string, unknown>, aggregateType = 'Referral'): LiveEvent => ({
  id: 'e1',
  type,
  aggregateType,
  aggregateId: 'a1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  payload,
});
const coord = (inst: string): Actor => ({ userId: 'u', role: 'COMMUNITY_COORDINATOR', institutionId: inst, districtId: 'd1' });
const district = (d: string | null): Actor => ({ userId: 'dc', role: 'DISTRICT_COORDINATOR', institutionId: null, districtId: d });

describe('live event visibility', () => {
  it('shows an offer to its target and origin, not to a third institution', () => {
    const e = ev('OfferExtended', { originInstitutionId: 'H', targetInstitutionId: 'C1', districtId: 'd1' });
    expect(liveEventVisibleTo(coord('C1'), e)).toBe(true);
    expect(liveEventVisibleTo(coord('H'), e)).toBe(true);
    expect(liveEventVisibleTo(coord('C2'), e)).toBe(false);
  });

  it('uses the involved list of cancellations and rejections', () => {
    const e = ev('ReferralCancelled', { originInstitutionId: 'H', involved: ['H', 'C1', 'C2'], districtId: 'd1' });
    expect(liveEventVisibleTo(coord('C2'), e)).toBe(true);
    expect(liveEventVisibleTo(coord('C3'), e)).toBe(false);
  });

  it('scopes district roles to their district', () => {
    const e = ev('BedStatusChanged', { institutionId: 'C1', districtId: 'd1' }, 'Bed');
    expect(liveEventVisibleTo(district('d1'), e)).toBe(true);
    expect(liveEventVisibleTo(district('d2'), e)).toBe(false);
  });

  it('never shows patient events and strips a foreign bed occupant', () => {
    expect(liveEventVisibleTo(district('d1'), ev('PatientRegistered', { districtId: 'd1', institutionId: 'C1' }, 'Patient'))).toBe(false);
    const bed = ev('BedStatusChanged', { institutionId: 'C1', districtId: 'd1', occupantPatientId: 'p1' }, 'Bed');
    expect(liveEventFor(district('d1'), bed).payload).not.toHaveProperty('occupantPatientId');
    expect(liveEventFor(coord('C1'), bed).payload).toHaveProperty('occupantPatientId', 'p1');
  });
});

describe('live channels', () => {
  const P = 'bl{q}';
  /** What Redis would deliver to this stream's one subscription (a pattern: the city's district channels). */
  const delivered = (a: Actor, e: LiveEvent) => {
    const s = liveSubscriptionOf(P, a);
    if (!s) return 0;
    const on = liveChannelsOf(P, e);
    return s.kind === 'channel' ? on.filter((c) => c === s.name).length : on.filter((c) => c.startsWith(`${P}:events:d:`)).length;
  };

  it('delivers each event once to exactly the streams that may see it, on their own channel', () => {
    const events = [
      ev('OfferExtended', { originInstitutionId: 'H', targetInstitutionId: 'C1', districtId: 'd1' }),
      ev('OfferExtended', { originInstitutionId: 'H', targetInstitutionId: 'X2', districtId: 'd1' }), // a centre of another district
      ev('ReferralCancelled', { originInstitutionId: 'H', involved: ['H', 'C1', 'C2'], districtId: 'd1' }),
      ev('BedStatusChanged', { institutionId: 'C2', districtId: 'd2' }),
      ev('PolicyChanged', {}),
    ];
    const actors = [coord('H'), coord('C1'), coord('C2'), coord('X2'), district('d1'), district('d2'), district(null), { ...coord('C1'), institutionId: null }];
    for (const e of events)
      for (const a of actors)
        expect([a.institutionId ?? a.districtId, e.payload, delivered(a, e)]).toEqual([
          a.institutionId ?? a.districtId,
          e.payload,
          liveEventVisibleTo(a, e) ? 1 : 0,
        ]);
  });

  it('escapes glob characters of the prefix in the city-wide pattern', () => {
    expect(liveCityPattern('a*b?[c]')).toBe('a\\*b\\?\\[c\\]:events:d:*');
  });
});
