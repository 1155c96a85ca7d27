import { Actor, Role, ROLES } from '../shared/actor';
import { DomainError } from '../shared/errors';

/**
 * Whose institution the actor must belong to for a command:
 * ORIGIN the referring institution; OFFER_TARGET the institution the offer was made to;
 * HOLDER the institution holding the patient's reservation; INVOLVED live involvement (the origin, a
 * target whose offer is live or accepted, the holder or receiver of the reservation: see
 * `liveInvolvement`; for a patient also its care relationships);
 * OWN the institution named by the command (its own beds, its own patients); DISTRICT the
 * actor's district; NONE no institution check (system work).
 */
export type Scope = 'ORIGIN' | 'OFFER_TARGET' | 'HOLDER' | 'INVOLVED' | 'OWN' | 'DISTRICT' | 'NONE';

export const COMMAND_NAMES = [
  'RegisterInstitution',
  'RegisterBed',
  'ChangeBedStatus',
  'RegisterPatient',
  'DraftReferral',
  'SubmitReferral',
  'ExtendOffer',
  'ViewOffer',
  'AcceptOffer',
  'DeclineOffer',
  'ExpireOffer',
  'RevokeAcceptance',
  'ExpireReservation',
  'StartTransfer',
  'ConfirmAdmission',
  'AbortTransfer',
  'CancelReferral',
  'EscalateReferral',
  'RerouteReferral',
  'CloseReferral',
  'RegisterProgramme',
  'ChangeProgrammeCapacity',
  'RegisterAgreement',
  'SubmitSurge',
  'SetDistrictPolicy',
  'UpdatePatientAssessment',
  'LapseReturnHold',
  'WarnOfferDeadline',
  'IssueApiKey',
  'RevokeApiKey',
  'CreateWebhook',
  'DeleteWebhook',
  'CreateUserAccount',
  'AdministerUserAccount',
  'ChangeOwnPassword',
  'SetOwnTotp',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const QUERY_NAMES = [
  'ReadReferral',
  'ListReferrals',
  'ReadAuditTrail',
  'VerifyAudit',
  'ReadPatient',
  'ReadRegistry',
  'ReadBedBoard',
  'ReadCandidates',
  'ReadJourney',
  'ReadInbox',
  'ReadDashboard',
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

/** Administration that is neither a domain command nor a read (listing machine clients' credentials). */
export const ADMIN_NAMES = ['ManageApiKeys', 'ManageUserAccounts'] as const;
export type AdminName = (typeof ADMIN_NAMES)[number];
export type ActionName = CommandName | QueryName | AdminName;

export interface Permission {
  readonly roles: readonly Role[];
  readonly scope: Scope;
  readonly description: string;
}

const INSTITUTION_ROLES: readonly Role[] = ['DISCHARGE_PLANNER', 'COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS'];
/** Every role a person can hold (roles added later are included by construction). */
const HUMAN_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'SYSTEM');
const BED_MANAGERS: readonly Role[] = ['COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS', 'DISCHARGE_PLANNER'];

/**
 * Refusal codes. Commands refused by this table answer 403 FORBIDDEN. Reads (ReadReferral,
 * ReadAuditTrail, ReadPatient and the patient lookup, a command's status) answer a foreign caller
 * exactly like an unknown id (404 *_NOT_FOUND): a 403 would confirm that a patient or referral exists,
 * and for a resident-ID lookup that alone discloses that a person is in care in the district.
 * Commands keep 403: the caller already names the object it acts on, and a distinct code tells an
 * integrator that the credential, not the id, is wrong.
 *
 * The role × command matrix of DOMAIN.md as one table, read by the application layer (every
 * handler calls `authorize`), the access tests (which walk it cell by cell), the README and the console.
 * District roles act across institutions but only within their district.
 */
export const PERMISSIONS: Readonly<Record<ActionName, Permission>> = {
  RegisterInstitution: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'register an institution in the district' },
  RegisterBed: { roles: BED_MANAGERS, scope: 'OWN', description: 'register a bed of its own institution' },
  ChangeBedStatus: { roles: BED_MANAGERS, scope: 'OWN', description: 'clean, close, reopen, isolate its own beds' },
  RegisterPatient: { roles: INSTITUTION_ROLES, scope: 'OWN', description: 'register a patient it cares for' },
  DraftReferral: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'draft a referral from its institution' },
  SubmitReferral: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'submit its referral' },
  ExtendOffer: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR'], scope: 'ORIGIN', description: 'offer its referral to a target' },
  ViewOffer: { roles: INSTITUTION_ROLES, scope: 'OFFER_TARGET', description: 'open an offer made to it' },
  AcceptOffer: { roles: INSTITUTION_ROLES, scope: 'OFFER_TARGET', description: 'accept an offer made to it' },
  DeclineOffer: { roles: INSTITUTION_ROLES, scope: 'OFFER_TARGET', description: 'decline an offer made to it' },
  ExpireOffer: { roles: ['SYSTEM'], scope: 'NONE', description: 'deadline timer' },
  RevokeAcceptance: { roles: INSTITUTION_ROLES, scope: 'HOLDER', description: 'give back a bed it accepted' },
  ExpireReservation: { roles: ['SYSTEM'], scope: 'NONE', description: 'hold timer' },
  StartTransfer: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'discharge the patient towards the target' },
  ConfirmAdmission: { roles: INSTITUTION_ROLES, scope: 'HOLDER', description: 'confirm the patient arrived' },
  AbortTransfer: { roles: INSTITUTION_ROLES, scope: 'INVOLVED', description: 'abort a transfer under way' },
  CancelReferral: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'cancel its referral' },
  EscalateReferral: { roles: ['DISTRICT_COORDINATOR', 'SYSTEM'], scope: 'DISTRICT', description: 'escalate to the district' },
  RerouteReferral: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'reroute an escalated referral' },
  CloseReferral: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'close an escalated referral' },
  RegisterProgramme: {
    roles: ['COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS'],
    scope: 'OWN',
    description: 'register a home programme (HOME_SICKBED / HOME_CARE) of its own institution',
  },
  ChangeProgrammeCapacity: {
    roles: ['COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS'],
    scope: 'OWN',
    description: 'change the declared capacity of its own home programme',
  },
  RegisterAgreement: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'register a cooperation agreement (who may refer to whom)' },
  ReadCandidates: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR'], scope: 'ORIGIN', description: 'see ranked candidates for its referral' },
  ReadJourney: {
    roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'],
    scope: 'INVOLVED',
    description: 'read the stays of a patient it has a referral with',
  },
  SubmitSurge: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'submit a batch of referrals for district-wide allocation' },
  SetDistrictPolicy: { roles: ['DISTRICT_COORDINATOR', 'SYSTEM'], scope: 'DISTRICT', description: 'change the district policy document' },
  UpdatePatientAssessment: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR'], scope: 'INVOLVED', description: 'record a new care needs assessment' },
  LapseReturnHold: { roles: ['SYSTEM'], scope: 'NONE', description: 'return-hold timer' },
  WarnOfferDeadline: { roles: ['SYSTEM'], scope: 'NONE', description: 'deadline warning timer' },
  ReadReferral: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'INVOLVED', description: 'read a referral it is involved in' },
  ListReferrals: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'INVOLVED', description: 'list referrals it is involved in' },
  ReadAuditTrail: {
    roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'],
    scope: 'INVOLVED',
    description: 'read the trail of a referral it is involved in',
  },
  VerifyAudit: { roles: ['AUDITOR'], scope: 'DISTRICT', description: 'verify the audit chains' },
  ReadPatient: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'INVOLVED', description: 'read a patient it has a referral with' },
  ReadRegistry: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'NONE', description: 'read institutions and beds' },
  ReadBedBoard: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'NONE', description: 'read capacity' },
  ReadDashboard: {
    roles: ['DISTRICT_COORDINATOR', 'AUDITOR'],
    scope: 'DISTRICT',
    description: 'read the district dashboard: occupancy now and over 30 days, referral flow, deadlines and breaches',
  },
  ReadInbox: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'OWN', description: 'read the pending offers of its own institution' },
  IssueApiKey: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'issue an API key for an institution (or role) of its district' },
  RevokeApiKey: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'revoke an API key of its district' },
  CreateWebhook: { roles: INSTITUTION_ROLES, scope: 'OWN', description: 'register a webhook endpoint of its own institution' },
  DeleteWebhook: { roles: INSTITUTION_ROLES, scope: 'OWN', description: 'delete a webhook endpoint of its own institution' },
  ManageApiKeys: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'list the API keys of the district (never the keys themselves)' },
  CreateUserAccount: {
    roles: ['DISTRICT_COORDINATOR'],
    scope: 'DISTRICT',
    description: 'create a sign-in account for a person of its district or its institutions',
  },
  AdministerUserAccount: {
    roles: ['DISTRICT_COORDINATOR'],
    scope: 'DISTRICT',
    description: 'disable, enable, reset the password or the second factor of an account of its district',
  },
  ChangeOwnPassword: { roles: HUMAN_ROLES, scope: 'NONE', description: 'change its own password (the account is the caller, by construction)' },
  SetOwnTotp: { roles: HUMAN_ROLES, scope: 'NONE', description: 'turn its own second factor (TOTP) on or off' },
  ManageUserAccounts: { roles: ['DISTRICT_COORDINATOR'], scope: 'DISTRICT', description: 'list the sign-in accounts of the district' },
};

export const DISTRICT_ROLES: readonly Role[] = ['DISTRICT_COORDINATOR', 'AUDITOR'];

/** The facts about the object acted on that scoping needs. */
export interface AccessContext {
  districtId?: string | null;
  originInstitutionId?: string | null;
  offerTargetId?: string | null;
  holderInstitutionId?: string | null;
  involved?: readonly string[];
  ownInstitutionId?: string | null;
}

export function isAllowed(actor: Actor, action: ActionName, ctx: AccessContext): boolean {
  const perm = PERMISSIONS[action];
  // The engine itself (timers, sagas) acts on every command it issues; it never comes in over HTTP.
  if (actor.role === 'SYSTEM') return true;
  if (!perm.roles.includes(actor.role)) return false;
  // District roles see and act across their district, never beyond it. A district role without a
  // district is refused outright: "no district → no restriction" would be city-wide access. An
  // action without a district of its own (listing, verifying) concerns the caller's district only.
  if (DISTRICT_ROLES.includes(actor.role)) return !!actor.districtId && (!ctx.districtId || ctx.districtId === actor.districtId);
  const mine = actor.institutionId;
  if (!mine) return false;
  switch (perm.scope) {
    case 'NONE':
      return true;
    case 'ORIGIN':
      return ctx.originInstitutionId === mine;
    case 'OFFER_TARGET':
      return ctx.offerTargetId === mine;
    case 'HOLDER':
      return ctx.holderInstitutionId === mine;
    case 'INVOLVED':
      return (ctx.involved ?? []).includes(mine) || ctx.originInstitutionId === mine;
    case 'OWN':
      return ctx.ownInstitutionId === mine;
    case 'DISTRICT':
      return false;
  }
}

export function authorize(actor: Actor, action: ActionName, ctx: AccessContext): void {
  if (!isAllowed(actor, action, ctx)) {
    throw new DomainError('FORBIDDEN', `${actor.role} of ${actor.institutionId ?? actor.districtId ?? 'no institution'} may not ${action} here`, {
      role: actor.role,
      action,
    });
  }
}
