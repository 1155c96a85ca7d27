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
  'AdmitPatient',
  'TransferPatient',
  'CancelAdmission',
  'CancelDischarge',
  'ImportBeds',
  'EndStay',
  'RecordPreferences',
  'RecordFamilyRefusal',
  'ArrangeTransport',
  'FlagTransportNoShow',
  'WaitlistReferral',
  'OfferFromWaitingList',
  'AttachDocument',
  'PostMessage',
  'MarkMessagesRead',
  'UpdateInstitution',
  'CreateUserAccount',
  'AdministerUserAccount',
  'ChangeOwnPassword',
  'SetOwnTotp',
  'ArchiveAuditPartition',
  'MarkReserveBed',
  'OpenReserveBeds',
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
  'ReadWaitingList',
  'ReadKpiReport',
  'ReadDocument',
  'ReadMessages',
  'ReadDashboard',
  'ReadEnrolments',
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
 * 家庭医生 at a community centre: refers its signed residents (upward only: DraftReferral refuses the
 * other directions), follows them (journeys, referrals, records through the centre's care
 * relationship) and is told of their admissions and discharges. It manages no beds and answers no offers.
 */
const REFERRERS: readonly Role[] = [...INSTITUTION_ROLES, 'FAMILY_DOCTOR'];
const INSTITUTION_READERS: readonly Role[] = [...INSTITUTION_ROLES, 'FAMILY_DOCTOR'];

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
  DraftReferral: { roles: REFERRERS, scope: 'ORIGIN', description: 'draft a referral from its institution' },
  SubmitReferral: { roles: REFERRERS, scope: 'ORIGIN', description: 'submit its referral' },
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
  CancelReferral: { roles: REFERRERS, scope: 'ORIGIN', description: 'cancel its referral' },
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
    roles: [...INSTITUTION_READERS, 'DISTRICT_COORDINATOR', 'AUDITOR'],
    scope: 'INVOLVED',
    description: 'read the stays of a patient it has a referral with',
  },
  SubmitSurge: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'submit a batch of referrals for district-wide allocation' },
  SetDistrictPolicy: { roles: ['DISTRICT_COORDINATOR', 'SYSTEM'], scope: 'DISTRICT', description: 'change the district policy document' },
  UpdatePatientAssessment: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR'], scope: 'INVOLVED', description: 'record a new care needs assessment' },
  LapseReturnHold: { roles: ['SYSTEM'], scope: 'NONE', description: 'return-hold timer' },
  WarnOfferDeadline: { roles: ['SYSTEM'], scope: 'NONE', description: 'deadline warning timer' },
  ReadReferral: { roles: [...INSTITUTION_READERS, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'INVOLVED', description: 'read a referral it is involved in' },
  ListReferrals: { roles: [...INSTITUTION_READERS, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'INVOLVED', description: 'list referrals it is involved in' },
  ReadAuditTrail: {
    roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'],
    scope: 'INVOLVED',
    description: 'read the trail of a referral it is involved in',
  },
  VerifyAudit: { roles: ['AUDITOR'], scope: 'DISTRICT', description: 'verify the audit chains' },
  ReadPatient: { roles: [...INSTITUTION_READERS, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'INVOLVED', description: 'read a patient it has a referral with' },
  ReadRegistry: { roles: [...INSTITUTION_READERS, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'NONE', description: 'read institutions and beds' },
  ReadBedBoard: { roles: [...INSTITUTION_READERS, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'NONE', description: 'read capacity' },
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
  AdmitPatient: { roles: BED_MANAGERS, scope: 'OWN', description: 'record an admission to its own bed (HL7 ADT^A01, also direct admissions)' },
  TransferPatient: { roles: BED_MANAGERS, scope: 'OWN', description: 'move its patient to another of its own beds (HL7 ADT^A02/A08)' },
  CancelAdmission: { roles: BED_MANAGERS, scope: 'OWN', description: 'cancel an admission to its own bed entered in error (HL7 ADT^A11)' },
  CancelDischarge: { roles: BED_MANAGERS, scope: 'OWN', description: 'cancel a discharge from its own bed entered in error (HL7 ADT^A13)' },
  ImportBeds: { roles: BED_MANAGERS, scope: 'OWN', description: 'import its beds and home-programme capacities in one transaction (CSV, FHIR Bundle)' },
  UpdateInstitution: {
    roles: ['DISTRICT_COORDINATOR'],
    scope: 'DISTRICT',
    description: 'change an institution of the district (name, services, coordinates, ownership)',
  },
  EndStay: {
    roles: BED_MANAGERS,
    scope: 'OWN',
    description: 'end a stay in its own bed or home programme without a referral (discharged home, deceased, ...)',
  },
  RecordPreferences: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: "record the patient's and family's choice on its referral" },
  RecordFamilyRefusal: {
    roles: INSTITUTION_ROLES,
    scope: 'ORIGIN',
    description: 'record that the patient or family refused an offered place (a decline by the patient)',
  },
  ArrangeTransport: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'book the transport to the accepting institution' },
  FlagTransportNoShow: { roles: ['SYSTEM'], scope: 'NONE', description: 'transport pickup-window timer' },
  WaitlistReferral: { roles: INSTITUTION_ROLES, scope: 'OFFER_TARGET', description: 'put a referral offered to it on its own waiting list' },
  OfferFromWaitingList: {
    roles: ['COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS', 'SYSTEM'],
    scope: 'OWN',
    description: 'offer a freed bed of its own to the first eligible referral on its waiting list',
  },
  ReadWaitingList: { roles: [...INSTITUTION_ROLES, 'DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'OWN', description: 'read its own waiting list' },
  ReadKpiReport: { roles: ['DISTRICT_COORDINATOR', 'AUDITOR'], scope: 'DISTRICT', description: "read the district's KPIs per institution and reason" },
  AttachDocument: { roles: INSTITUTION_ROLES, scope: 'ORIGIN', description: 'attach a file to its referral' },
  PostMessage: {
    roles: INSTITUTION_ROLES,
    scope: 'INVOLVED',
    description: 'write in the thread between the origin and a target with a live offer (a target may ask for more information)',
  },
  MarkMessagesRead: { roles: INSTITUTION_ROLES, scope: 'INVOLVED', description: 'send a read receipt for its side of a thread' },
  ReadDocument: {
    roles: INSTITUTION_ROLES,
    scope: 'INVOLVED',
    description: 'list and download the files of a referral it is involved in (every download audited)',
  },
  ReadMessages: { roles: INSTITUTION_ROLES, scope: 'INVOLVED', description: 'read its threads of a referral it is involved in' },
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
  ReadEnrolments: {
    roles: ['COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS', 'DISTRICT_COORDINATOR', 'AUDITOR'],
    scope: 'OWN',
    description: 'list who is on its own home programme (patient ids and dates, no identifiers)',
  },
  /*
   * A month's partition holds every district's records: no district role may export or retire it.
   * The operator who holds the audit signing key runs it (npm run audit:archive, as the engine,
   * named in the record); district auditors verify the file it writes offline.
   */
  ArchiveAuditPartition: {
    roles: ['SYSTEM'],
    scope: 'NONE',
    description: 'export a closed month of the audit log to a signed file, so its partition may be detached',
  },
  MarkReserveBed: {
    roles: BED_MANAGERS,
    scope: 'OWN',
    description: 'mark its own bed as reserve (surge) capacity, kept out of matching until the district opens it, or take it back',
  },
  OpenReserveBeds: {
    roles: ['DISTRICT_COORDINATOR'],
    scope: 'DISTRICT',
    description: "open (or close) reserve beds of the district's institutions to matching",
  },
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
