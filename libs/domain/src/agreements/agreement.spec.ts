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
