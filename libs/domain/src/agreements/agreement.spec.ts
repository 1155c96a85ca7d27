import { AgreementProps, routeAllowed } from './agreement';

const route = {
  originInstitutionId: 'h',
  originDistrictId: 'd1',
  targetInstitutionId: 'c',
  targetDistrictId: 'd1',
  kind: 'COMMUNITY' as const,
  direction: 'DOWNWARD' as const,
};
const agr = (over: Partial<AgreementProps> = {}): AgreementProps => ({
  id: 'a',
  districtId: 'd1',
  fromInstitutionId: 'h',
  toInstitutionId: 'c',
  kinds: [],
  directions: [],
  ...over,
});

describe('cooperation policy', () => {
  it('an agreement allows its route whatever the default', () => {
    expect(routeAllowed(route, [agr()], 'AGREEMENT_REQUIRED')).toEqual({ allowed: true, byAgreement: true });
  });
  it('without an agreement: same district allowed only when the default says so; another district never', () => {
    expect(routeAllowed(route, [], 'AGREEMENT_REQUIRED').allowed).toBe(false);
    expect(routeAllowed(route, [], 'SAME_DISTRICT_ALLOWED').allowed).toBe(true);
    expect(routeAllowed({ ...route, targetDistrictId: 'd2' }, [], 'SAME_DISTRICT_ALLOWED').allowed).toBe(false);
  });
  it('agreements are one-way and limited to their kinds and directions', () => {
    expect(routeAllowed({ ...route, originInstitutionId: 'c', targetInstitutionId: 'h' }, [agr()], 'AGREEMENT_REQUIRED').allowed).toBe(false);
    expect(routeAllowed(route, [agr({ kinds: ['CARE_HOME'] })], 'AGREEMENT_REQUIRED').allowed).toBe(false);
    expect(routeAllowed(route, [agr({ directions: ['UPWARD'] })], 'AGREEMENT_REQUIRED').allowed).toBe(false);
    expect(routeAllowed(route, [agr({ kinds: ['COMMUNITY'], directions: ['DOWNWARD'] })], 'AGREEMENT_REQUIRED').allowed).toBe(true);
  });
});

describe('agreements: validity period and service scope', () => {
  const required = 'AGREEMENT_REQUIRED' as const;
  const on = (day: string, services: string[] = ['REHAB']) => ({ ...route, day, services });
  const signed = agr({ validFrom: '2026-01-01', validUntil: '2026-12-31', services: ['REHAB', 'NURSING'] });

  it('routes only while in force: not before its first day, not after its last', () => {
    expect(routeAllowed(on('2025-12-31'), [signed], required).allowed).toBe(false);
    expect(routeAllowed(on('2026-01-01'), [signed], required).allowed).toBe(true);
    expect(routeAllowed(on('2026-12-31'), [signed], required).allowed).toBe(true);
    expect(routeAllowed(on('2027-01-01'), [signed], required).allowed).toBe(false);
  });

  it('routes only referrals whose services it covers; an open scope covers all', () => {
    expect(routeAllowed(on('2026-06-01', ['REHAB', 'DIALYSIS']), [signed], required).allowed).toBe(false);
    expect(routeAllowed(on('2026-06-01', ['DIALYSIS']), [agr()], required).allowed).toBe(true);
  });

  it('an expired agreement leaves the district default to decide', () => {
    expect(routeAllowed(on('2027-01-01'), [signed], 'SAME_DISTRICT_ALLOWED')).toEqual({ allowed: true, byAgreement: false });
  });
});
