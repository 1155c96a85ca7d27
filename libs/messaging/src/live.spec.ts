import { Actor } from '@bedlink/domain';
import type { LiveEvent } from '@bedlink/contracts';
import { liveEventFor, liveEventVisibleTo } from './live';

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
