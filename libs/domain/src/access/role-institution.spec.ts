import { InstitutionType } from '../beds/bed-kinds';
import { Role } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { assertRoleFitsInstitution, roleFitsInstitution } from './role-institution';

/**
 * Written from DOMAIN.md, "Roles and what they may do" (the "belongs to" column), not from the
 * code's table: a discharge planner belongs to a regional medical centre, a community coordinator
 * and a family doctor to a community health centre, care-home admissions to an elderly-care
 * institution; district roles belong to the district, whatever institution a request names.
 */
const BELONGS_TO: Record<Exclude<Role, 'DISTRICT_COORDINATOR' | 'AUDITOR' | 'SYSTEM'>, InstitutionType> = {
  DISCHARGE_PLANNER: 'REGIONAL_MEDICAL_CENTRE',
  COMMUNITY_COORDINATOR: 'COMMUNITY_HEALTH_CENTRE',
  FAMILY_DOCTOR: 'COMMUNITY_HEALTH_CENTRE',
  CARE_HOME_ADMISSIONS: 'ELDERLY_CARE_INSTITUTION',
};
const TYPES: InstitutionType[] = ['REGIONAL_MEDICAL_CENTRE', 'COMMUNITY_HEALTH_CENTRE', 'ELDERLY_CARE_INSTITUTION'];
const INSTITUTION_ROLES = Object.keys(BELONGS_TO) as (keyof typeof BELONGS_TO)[];
const DISTRICT_ROLES: Role[] = ['DISTRICT_COORDINATOR', 'AUDITOR', 'SYSTEM'];

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return { code: (e as DomainError).code, details: (e as DomainError).details };
  }
  return 'accepted';
};

describe('roleFitsInstitution', () => {
  it.each(INSTITUTION_ROLES)('%s acts only for its own type of institution', (role) => {
    for (const type of TYPES) expect([type, roleFitsInstitution(role, type)]).toEqual([type, type === BELONGS_TO[role]]);
  });

  it.each(INSTITUTION_ROLES)('%s cannot act for an institution that is not registered', (role) => {
    expect(roleFitsInstitution(role, null)).toBe(false);
  });

  it.each(DISTRICT_ROLES)('%s belongs to no institution type, so none is refused', (role) => {
    for (const type of [...TYPES, null]) expect(roleFitsInstitution(role, type)).toBe(true);
  });
});

describe('assertRoleFitsInstitution', () => {
  it('lets a role act for its own type of institution', () => {
    for (const role of INSTITUTION_ROLES) expect(refusal(() => assertRoleFitsInstitution({ role, institutionId: 'i1' }, BELONGS_TO[role]))).toBe('accepted');
  });

  it('refuses a role at another type with ROLE_INSTITUTION_MISMATCH, naming what it is and what it may be', () => {
    for (const role of INSTITUTION_ROLES)
      for (const type of TYPES.filter((t) => t !== BELONGS_TO[role]))
        expect(refusal(() => assertRoleFitsInstitution({ role, institutionId: 'i9' }, type))).toEqual({
          code: 'ROLE_INSTITUTION_MISMATCH',
          details: { role, institutionId: 'i9', institutionType: type, allowedTypes: [BELONGS_TO[role]] },
        });
  });

  it('refuses a credential naming an institution that is not registered', () => {
    expect(refusal(() => assertRoleFitsInstitution({ role: 'CARE_HOME_ADMISSIONS', institutionId: 'ghost' }, null))).toEqual({
      code: 'ROLE_INSTITUTION_MISMATCH',
      details: { role: 'CARE_HOME_ADMISSIONS', institutionId: 'ghost', institutionType: null, allowedTypes: ['ELDERLY_CARE_INSTITUTION'] },
    });
  });

  it('district roles are never refused, with or without an institution named', () => {
    for (const role of DISTRICT_ROLES)
      for (const type of [...TYPES, null]) {
        expect(refusal(() => assertRoleFitsInstitution({ role, institutionId: null }, type))).toBe('accepted');
        expect(refusal(() => assertRoleFitsInstitution({ role, institutionId: 'i1' }, type))).toBe('accepted');
      }
  });

  it('a credential naming no institution has nothing to mismatch (its scope check refuses it elsewhere)', () => {
    expect(refusal(() => assertRoleFitsInstitution({ role: 'DISCHARGE_PLANNER', institutionId: null }, 'ELDERLY_CARE_INSTITUTION'))).toBe('accepted');
    expect(refusal(() => assertRoleFitsInstitution({ role: 'DISCHARGE_PLANNER', institutionId: '' }, null))).toBe('accepted');
  });
});
