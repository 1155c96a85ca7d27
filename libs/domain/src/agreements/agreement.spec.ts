import { DomainError } from '../shared/errors';
import { Agreement, AgreementProps, assertRouteAllowed, routeAllowed } from './agreement';

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

describe('Agreement registration', () => {
  const T0 = new Date('2026-11-23T08:00:00Z');
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as DomainError).code;
    }
    return null;
  };

  it('refuses an agreement with itself and a period that ends before it starts', () => {
    expect(code(() => Agreement.register(agr({ toInstitutionId: 'h' }), T0))).toBe('VALIDATION_FAILED');
    expect(code(() => Agreement.register(agr({ validFrom: '2026-12-01', validUntil: '2026-11-30' }), T0))).toBe('VALIDATION_FAILED');
    expect(code(() => Agreement.register(agr({ validFrom: '2026-12-01', validUntil: '2026-12-01' }), T0))).toBeNull();
    expect(code(() => Agreement.register(agr({ validFrom: null, validUntil: '2026-11-30' }), T0))).toBeNull();
  });

  it('keeps its own copies, open ends as null, and records what was agreed', () => {
    const kinds: AgreementProps['kinds'] = ['COMMUNITY'];
    const a = Agreement.register(agr({ kinds, directions: ['DOWNWARD'], services: ['REHAB'] }), T0);
    const [e] = a.pullEvents();
    expect(e).toMatchObject({ type: 'AgreementRegistered', payload: { agreementId: 'a', fromInstitutionId: 'h', toInstitutionId: 'c', kinds: ['COMMUNITY'] } });
    kinds.push('HOSPICE');
    expect(a.props).toMatchObject({ kinds: ['COMMUNITY'], directions: ['DOWNWARD'], services: ['REHAB'], validFrom: null, validUntil: null });
    expect(Agreement.register(agr(), T0).props.services).toEqual([]);
  });

  it('covers: an empty list of kinds or directions covers all; otherwise only those listed', () => {
    const open = Agreement.register(agr(), T0);
    expect(open.covers('HOSPICE', 'LATERAL')).toBe(true);
    const narrow = Agreement.register(agr({ kinds: ['COMMUNITY'], directions: ['DOWNWARD'] }), T0);
    expect(narrow.covers('COMMUNITY', 'DOWNWARD')).toBe(true);
    expect(narrow.covers('HOSPICE', 'DOWNWARD')).toBe(false);
    expect(narrow.covers('COMMUNITY', 'UPWARD')).toBe(false);
    expect(Agreement.register(agr({ kinds: ['COMMUNITY'] }), T0).covers('COMMUNITY', 'UPWARD')).toBe(true);
    expect(Agreement.register(agr({ directions: ['DOWNWARD'] }), T0).covers('HOSPICE', 'DOWNWARD')).toBe(true);
  });

  it('assertRouteAllowed refuses a route nothing allows, naming it', () => {
    const other = { ...route, targetDistrictId: 'd2' };
    let err: DomainError | undefined;
    try {
      assertRouteAllowed(other, [], 'SAME_DISTRICT_ALLOWED');
    } catch (e) {
      err = e as DomainError;
    }
    expect(err?.code).toBe('DIRECTION_NOT_ALLOWED');
    expect(err?.details).toEqual({ originInstitutionId: 'h', targetInstitutionId: 'c', kind: 'COMMUNITY', direction: 'DOWNWARD' });
    expect(() => assertRouteAllowed(route, [], 'SAME_DISTRICT_ALLOWED')).not.toThrow();
    expect(() => assertRouteAllowed(other, [agr()], 'AGREEMENT_REQUIRED')).not.toThrow();
  });

  it('an agreement counts only from its own origin to its own target', () => {
    expect(routeAllowed({ ...route, originInstitutionId: 'x' }, [agr()], 'AGREEMENT_REQUIRED').byAgreement).toBe(false);
    expect(routeAllowed({ ...route, targetInstitutionId: 'x' }, [agr()], 'AGREEMENT_REQUIRED').byAgreement).toBe(false);
    expect(routeAllowed(route, [agr()], 'AGREEMENT_REQUIRED')).toEqual({ allowed: true, byAgreement: true });
  });
});
