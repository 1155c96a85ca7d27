import { InstitutionType } from '../beds/bed-kinds';
import { Actor, Role } from '../shared/actor';
import { DomainError } from '../shared/errors';

/**
 * Which kind of institution each institution role belongs to (DOMAIN.md, "Roles and what they may
 * do"): a discharge planner works at a regional medical centre, a community coordinator and a family
 * doctor at a community health centre, care-home admissions at an elderly-care institution. District
 * roles name no institution (null). A credential whose role does not fit its institution's type is
 * refused when it is issued (API key, sign-in account, OIDC sign-in) and again on every request and
 * every command, so a token minted before the rule, by an identity provider that does not know it, or
 * straight into the queue cannot act as, say, a care home's admissions office at a hospital.
 */
export const ROLE_INSTITUTION_TYPES: Readonly<Record<Role, readonly InstitutionType[] | null>> = {
  DISCHARGE_PLANNER: ['REGIONAL_MEDICAL_CENTRE'],
  COMMUNITY_COORDINATOR: ['COMMUNITY_HEALTH_CENTRE'],
  CARE_HOME_ADMISSIONS: ['ELDERLY_CARE_INSTITUTION'],
  FAMILY_DOCTOR: ['COMMUNITY_HEALTH_CENTRE'],
  DISTRICT_COORDINATOR: null,
  AUDITOR: null,
  SYSTEM: null,
};

/** May a person holding `role` act for an institution of `type`? (`type` null: the institution is not registered.) */
export function roleFitsInstitution(role: Role, type: InstitutionType | null): boolean {
  const allowed = ROLE_INSTITUTION_TYPES[role];
  if (allowed === null) return true;
  return type !== null && allowed.includes(type);
}

/**
 * Refuses (403 ROLE_INSTITUTION_MISMATCH) a role claimed for an institution of the wrong type, or for
 * an institution that is not registered. The code is distinct from FORBIDDEN so an integrator sees
 * that the credential itself is wrong, whatever it was used for.
 */
export function assertRoleFitsInstitution(actor: Pick<Actor, 'role' | 'institutionId'>, type: InstitutionType | null): void {
  if (!actor.institutionId || ROLE_INSTITUTION_TYPES[actor.role] === null) return;
  if (roleFitsInstitution(actor.role, type)) return;
  const allowed = ROLE_INSTITUTION_TYPES[actor.role] ?? [];
  throw new DomainError(
    'ROLE_INSTITUTION_MISMATCH',
    type === null
      ? `a ${actor.role} credential names institution ${actor.institutionId}, which is not registered`
      : `a ${actor.role} acts only for a ${allowed.join(' or ')}, and institution ${actor.institutionId} is a ${type}`,
    { role: actor.role, institutionId: actor.institutionId, institutionType: type, allowedTypes: allowed },
  );
}
