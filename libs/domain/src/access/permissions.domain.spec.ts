import { Actor, Role, ROLES } from '../shared/actor';
import { liveInvolvement } from '../referral/referral-machine';
import { AccessContext, ActionName, COMMAND_NAMES, isAllowed, PERMISSIONS } from './permissions';

/**
 * Who may do what, written by hand from DOMAIN.md ("Roles and what they may do" and the lines it
 * leans on), NOT from PERMISSIONS: a wrong rule in the table must fail here, whereas the access matrix
 * e2e suite derives its expectations from PERMISSIONS and would agree with any mistake.
 * Each row quotes the DOMAIN.md line it comes from. Where the design doc is silent or was overtaken by
 * a later decision, the row says so and names the decision.
 * Not covered: DOMAIN.md's `FAMILY_DOCTOR` row ("see signed residents' journeys, be told of their
 * admissions and discharges, refer upward") has no role in the code yet (ROLES), so it has no cells.
 */
const DOMAIN = {
  planner:
    '`DISCHARGE_PLANNER` | a regional medical centre | draft/submit/cancel referrals from its institution, start transfers, accept upward referrals to it',
  community:
    '`COMMUNITY_COORDINATOR` | a community health centre | accept/decline offers to it, refer up, manage its beds and home-sickbed slots, confirm admissions',
  careHome:
    '`CARE_HOME_ADMISSIONS` | an elderly-care institution | accept/decline placements, manage its beds and home-care slots, confirm admissions, refer up',
  district: '`DISTRICT_COORDINATOR` | the district | see every referral and bed in the district, reroute and close escalations',
  auditor: '`AUDITOR` | the district | read the audit trail and verify it; no writes',
  receiver: 'PENDING|VIEWED --accept--> ACCEPTED | --decline(reason)--> DECLINED | --deadline--> EXPIRED (Offers)',
  timers: 'OFFERED --every offer declined/expired, none left--> ESCALATED; HELD(expiresAt) ... --deadline--> EXPIRED (timers, not people)',
  cancel: 'any non-terminal --origin cancels--> CANCELLED(cancelled)',
  agreements: 'Which origin may refer to which target is a policy (cooperation agreements, district), not code.',
  around:
    "the patient's and family's preferences (ranked places, near whom, excluded places, who expressed them), transport (mode, pickup time, escort; no-show escalates) and per-institution waiting lists (a referral waits with a position; a freed matching bed is offered to the first eligible one) (Around a referral)",
  scoping:
    "An institution never sees another's patients unless a referral between them exists, and an institution's rights on a referral end with its offer (declined, expired or withdrawn). District roles see only their district",
} as const;

/** Commands on one's own credentials only (the account is the caller's by construction). */
const SELF_SERVICE: readonly string[] = ['ChangeOwnPassword', 'SetOwnTotp'];

type Row = readonly [role: Role, action: ActionName, allowed: boolean, from: string];

const rows: Row[] = [
  // DISCHARGE_PLANNER: draft/submit/cancel referrals from its institution, start transfers, accept upward referrals to it
  ['DISCHARGE_PLANNER', 'DraftReferral', true, DOMAIN.planner],
  ['DISCHARGE_PLANNER', 'SubmitReferral', true, DOMAIN.planner],
  ['DISCHARGE_PLANNER', 'CancelReferral', true, DOMAIN.planner],
  ['DISCHARGE_PLANNER', 'StartTransfer', true, DOMAIN.planner],
  ['DISCHARGE_PLANNER', 'AcceptOffer', true, DOMAIN.planner],
  // the receiver of an offer answers it either way; a hospital receiving an upward referral is one
  ['DISCHARGE_PLANNER', 'DeclineOffer', true, DOMAIN.receiver],
  // "accept upward referrals to it": the receiving hospital is where "IN_TRANSFER --admitted at target-->" happens
  ['DISCHARGE_PLANNER', 'ConfirmAdmission', true, DOMAIN.planner],
  // Doc is silent on hospital beds; the planner is the hospital's only role and an upward referral needs a
  // hospital bed to hold, so it manages them (decision in code, kept).
  ['DISCHARGE_PLANNER', 'RegisterBed', true, 'silent: the hospital has no other role to manage its beds'],
  ['DISCHARGE_PLANNER', 'RegisterProgramme', false, `${DOMAIN.community} / ${DOMAIN.careHome} (home slots are theirs)`],
  ['DISCHARGE_PLANNER', 'RerouteReferral', false, DOMAIN.district],
  ['DISCHARGE_PLANNER', 'CloseReferral', false, DOMAIN.district],
  ['DISCHARGE_PLANNER', 'VerifyAudit', false, DOMAIN.auditor],
  ['DISCHARGE_PLANNER', 'RegisterAgreement', false, DOMAIN.agreements],
  ['DISCHARGE_PLANNER', 'ExpireOffer', false, DOMAIN.timers],

  // COMMUNITY_COORDINATOR: accept/decline offers to it, refer up, manage its beds and home-sickbed slots, confirm admissions
  ['COMMUNITY_COORDINATOR', 'AcceptOffer', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'DeclineOffer', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'ViewOffer', true, `${DOMAIN.community} (opening is how an offer is answered)`],
  ['COMMUNITY_COORDINATOR', 'DraftReferral', true, `${DOMAIN.community} ("refer up")`],
  ['COMMUNITY_COORDINATOR', 'SubmitReferral', true, `${DOMAIN.community} ("refer up")`],
  ['COMMUNITY_COORDINATOR', 'StartTransfer', true, `${DOMAIN.community} ("refer up": the origin discharges)`],
  ['COMMUNITY_COORDINATOR', 'RegisterBed', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'ChangeBedStatus', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'RegisterProgramme', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'ChangeProgrammeCapacity', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'ConfirmAdmission', true, DOMAIN.community],
  // "manage its beds": who lies in them, as its own admission system records it (HL7 ADT)
  ['COMMUNITY_COORDINATOR', 'AdmitPatient', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'TransferPatient', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'CancelAdmission', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'ImportBeds', true, DOMAIN.community],
  ['COMMUNITY_COORDINATOR', 'RerouteReferral', false, DOMAIN.district],
  ['COMMUNITY_COORDINATOR', 'CloseReferral', false, DOMAIN.district],
  ['COMMUNITY_COORDINATOR', 'RegisterAgreement', false, DOMAIN.agreements],
  ['COMMUNITY_COORDINATOR', 'VerifyAudit', false, DOMAIN.auditor],
  ['COMMUNITY_COORDINATOR', 'ExpireReservation', false, DOMAIN.timers],

  // CARE_HOME_ADMISSIONS: accept/decline placements, manage its beds and home-care slots, confirm admissions, refer up
  ['CARE_HOME_ADMISSIONS', 'AcceptOffer', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'DeclineOffer', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'RegisterBed', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'ChangeBedStatus', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'RegisterProgramme', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'ChangeProgrammeCapacity', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'ConfirmAdmission', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'DraftReferral', true, `${DOMAIN.careHome} ("refer up")`],
  ['CARE_HOME_ADMISSIONS', 'SubmitReferral', true, `${DOMAIN.careHome} ("refer up")`],
  ['CARE_HOME_ADMISSIONS', 'CancelReferral', true, DOMAIN.cancel],
  ['CARE_HOME_ADMISSIONS', 'AdmitPatient', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'CancelDischarge', true, DOMAIN.careHome],
  ['CARE_HOME_ADMISSIONS', 'RerouteReferral', false, DOMAIN.district],
  ['CARE_HOME_ADMISSIONS', 'CloseReferral', false, DOMAIN.district],
  ['CARE_HOME_ADMISSIONS', 'SetDistrictPolicy', false, `${DOMAIN.agreements} (policy belongs to the district)`],
  ['CARE_HOME_ADMISSIONS', 'VerifyAudit', false, DOMAIN.auditor],
  ['CARE_HOME_ADMISSIONS', 'ExpireOffer', false, DOMAIN.timers],

  // DISTRICT_COORDINATOR: see every referral and bed in the district, reroute and close escalations
  ['DISTRICT_COORDINATOR', 'RerouteReferral', true, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'CloseReferral', true, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'ReadReferral', true, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'ListReferrals', true, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'ReadBedBoard', true, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'ReadRegistry', true, DOMAIN.district],
  // the coordinator steers referrals, it does not act for an institution
  ['DISTRICT_COORDINATOR', 'DraftReferral', false, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'SubmitReferral', false, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'AcceptOffer', false, DOMAIN.receiver],
  ['DISTRICT_COORDINATOR', 'DeclineOffer', false, DOMAIN.receiver],
  ['DISTRICT_COORDINATOR', 'CancelReferral', false, DOMAIN.cancel],
  ['DISTRICT_COORDINATOR', 'StartTransfer', false, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'ConfirmAdmission', false, DOMAIN.district],
  ['DISTRICT_COORDINATOR', 'RegisterBed', false, `${DOMAIN.community} (beds are managed by their institution)`],
  ['DISTRICT_COORDINATOR', 'AdmitPatient', false, `${DOMAIN.community} (beds are managed by their institution)`],
  ['DISTRICT_COORDINATOR', 'ImportBeds', false, `${DOMAIN.community} (beds are managed by their institution)`],
  ['DISTRICT_COORDINATOR', 'VerifyAudit', false, DOMAIN.auditor],
  ['DISTRICT_COORDINATOR', 'ExpireReservation', false, DOMAIN.timers],
  // Decisions made since DOMAIN.md's table (district administration): agreements and policy are the
  // district's ("cooperation agreements, district"); audited, expiring API keys are issued and revoked by
  // the district coordinator (security merge 9f5d8a1); manual escalation lets the district take over early.
  ['DISTRICT_COORDINATOR', 'RegisterAgreement', true, DOMAIN.agreements],
  ['DISTRICT_COORDINATOR', 'SetDistrictPolicy', true, `${DOMAIN.agreements} (district policy documents, 181af8a)`],
  ['DISTRICT_COORDINATOR', 'IssueApiKey', true, 'decision since: audited API keys issued by the district (9f5d8a1)'],
  ['DISTRICT_COORDINATOR', 'RevokeApiKey', true, 'decision since: audited API keys revoked by the district (9f5d8a1)'],
  ['DISTRICT_COORDINATOR', 'EscalateReferral', true, 'decision since: the district may take an unanswered referral over before the timers do'],

  // AUDITOR: read the audit trail and verify it; no writes
  ['AUDITOR', 'ReadAuditTrail', true, DOMAIN.auditor],
  ['AUDITOR', 'VerifyAudit', true, DOMAIN.auditor],
  // "no writes": every command, each one a state change, is refused to the auditor
  ...COMMAND_NAMES.filter((c) => !SELF_SERVICE.includes(c)).map((c): Row => ['AUDITOR', c, false, DOMAIN.auditor]),
  // Decision since (sign-in, issue 18): a person's own password and second factor are its own, whatever its
  // role; changing them touches no care data, so the auditor's "no writes" does not reach them.
  ['AUDITOR', 'ChangeOwnPassword', true, 'decision since: everyone keeps its own credentials (sign-in accounts)'],
  ['AUDITOR', 'SetOwnTotp', true, 'decision since: everyone keeps its own credentials (sign-in accounts)'],
  ['DISCHARGE_PLANNER', 'ChangeOwnPassword', true, 'decision since: everyone keeps its own credentials (sign-in accounts)'],
  // accounts are district administration, like API keys
  ['DISTRICT_COORDINATOR', 'CreateUserAccount', true, 'decision since: sign-in accounts administered by the district (like API keys)'],
  ['DISTRICT_COORDINATOR', 'AdministerUserAccount', true, 'decision since: sign-in accounts administered by the district (like API keys)'],
  ['COMMUNITY_COORDINATOR', 'CreateUserAccount', false, `${DOMAIN.community} (accounts are district administration)`],
  ['AUDITOR', 'ManageUserAccounts', false, `${DOMAIN.auditor} (credentials are administration, not the trail)`],
  ['AUDITOR', 'ManageApiKeys', false, `${DOMAIN.auditor} (credentials are administration, not the trail)`],

  // Around a referral: the referring side records the choice and books the journey; the receiving side keeps its list.
  ['DISCHARGE_PLANNER', 'RecordPreferences', true, `${DOMAIN.planner}; ${DOMAIN.around}`],
  ['DISCHARGE_PLANNER', 'RecordFamilyRefusal', true, `${DOMAIN.planner} (the family tells the planner)`],
  ['DISCHARGE_PLANNER', 'ArrangeTransport', true, `${DOMAIN.planner} ("start transfers": the journey is the origin's to book)`],
  ['DISTRICT_COORDINATOR', 'ArrangeTransport', false, DOMAIN.district],
  ['CARE_HOME_ADMISSIONS', 'WaitlistReferral', true, `${DOMAIN.careHome}; ${DOMAIN.around}`],
  ['COMMUNITY_COORDINATOR', 'WaitlistReferral', true, `${DOMAIN.community}; ${DOMAIN.around}`],
  ['CARE_HOME_ADMISSIONS', 'OfferFromWaitingList', true, `${DOMAIN.careHome} ("manage its beds"); ${DOMAIN.around}`],
  ['DISCHARGE_PLANNER', 'OfferFromWaitingList', false, 'a hospital keeps no waiting list (care homes and community centres do)'],
  ['DISTRICT_COORDINATOR', 'WaitlistReferral', false, DOMAIN.district],
  ['COMMUNITY_COORDINATOR', 'FlagTransportNoShow', false, `${DOMAIN.timers} (the pickup window is a timer too)`],
  ['DISTRICT_COORDINATOR', 'ReadKpiReport', true, `${DOMAIN.district} ("see every referral and bed in the district")`],
  ['AUDITOR', 'ReadKpiReport', true, `${DOMAIN.auditor} (figures of the trail, no writes)`],
  ['CARE_HOME_ADMISSIONS', 'ReadKpiReport', false, DOMAIN.scoping],
];

/** A context in which every scope is the actor's own: only the role decides. */
function ownContext(actor: Actor): AccessContext {
  const mine = actor.institutionId ?? 'x';
  return {
    districtId: 'D1',
    originInstitutionId: mine,
    offerTargetId: mine,
    holderInstitutionId: mine,
    involved: [mine],
    ownInstitutionId: mine,
  };
}
const DISTRICT_ROLES: readonly Role[] = ['DISTRICT_COORDINATOR', 'AUDITOR'];
const actorOf = (role: Role, institutionId = 'INST-A', districtId = 'D1'): Actor =>
  DISTRICT_ROLES.includes(role) ? { userId: `u-${role}`, role, institutionId: null, districtId } : { userId: `u-${role}`, role, institutionId, districtId };

describe('PERMISSIONS against the roles of DOMAIN.md (hand-written expectations)', () => {
  it(`covers at least 40 role × action cells, both allowed and refused (${rows.length} cells)`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(rows.filter((r) => r[2]).length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((r) => !r[2]).length).toBeGreaterThanOrEqual(20);
    // every row names a real action and role, and no cell is written twice (with two answers)
    const seen = new Map<string, boolean>();
    for (const [role, action, allowed] of rows) {
      expect(ROLES).toContain(role);
      expect(PERMISSIONS[action]).toBeDefined();
      const key = `${role} ${action}`;
      if (seen.has(key)) expect(seen.get(key)).toBe(allowed);
      seen.set(key, allowed);
    }
  });

  it('every cell: the code decides as DOMAIN.md says (within the actor’s own institution or district)', () => {
    const disagreements = rows
      .filter(([role, action, allowed]) => {
        const actor = actorOf(role);
        return isAllowed(actor, action, ownContext(actor)) !== allowed || PERMISSIONS[action].roles.includes(role) !== allowed;
      })
      .map(([role, action, allowed, from]) => `${role} ${action}: DOMAIN.md says ${allowed ? 'allowed' : 'refused'} ("${from}")`);
    expect(disagreements).toEqual([]);
  });

  it('the engine’s timers are nobody’s to fire by hand', () => {
    for (const role of ROLES.filter((r) => r !== 'SYSTEM')) {
      for (const timer of ['ExpireOffer', 'ExpireReservation', 'LapseReturnHold', 'WarnOfferDeadline'] as const) {
        const actor = actorOf(role);
        expect([role, timer, isAllowed(actor, timer, ownContext(actor))]).toEqual([role, timer, false]);
      }
    }
  });
});

describe('scoping, from DOMAIN.md: ' + DOMAIN.scoping.slice(0, 60) + '…', () => {
  const cc = (inst: string) => actorOf('COMMUNITY_COORDINATOR', inst);
  const planner = (inst: string) => actorOf('DISCHARGE_PLANNER', inst);

  it("an institution never sees another's patients unless a referral between them exists", () => {
    const involved = liveInvolvement({ originInstitutionId: 'HOSP', offers: [{ targetInstitutionId: 'CC1', state: 'PENDING' }] });
    expect(isAllowed(cc('CC1'), 'ReadPatient', { districtId: 'D1', involved })).toBe(true);
    expect(isAllowed(cc('CC2'), 'ReadPatient', { districtId: 'D1', involved })).toBe(false);
    expect(isAllowed(cc('CC2'), 'ReadReferral', { districtId: 'D1', originInstitutionId: 'HOSP', involved })).toBe(false);
  });

  it("an institution's rights on a referral end with its offer (declined, expired or withdrawn)", () => {
    for (const state of ['DECLINED', 'EXPIRED', 'WITHDRAWN']) {
      const involved = liveInvolvement({ originInstitutionId: 'HOSP', offers: [{ targetInstitutionId: 'CC1', state }] });
      expect([state, isAllowed(cc('CC1'), 'ReadReferral', { districtId: 'D1', originInstitutionId: 'HOSP', involved })]).toEqual([state, false]);
      expect([state, isAllowed(cc('CC1'), 'AbortTransfer', { districtId: 'D1', originInstitutionId: 'HOSP', involved })]).toEqual([state, false]);
    }
    // the accepting institution stays involved until the patient arrives
    const accepted = liveInvolvement({ originInstitutionId: 'HOSP', offers: [{ targetInstitutionId: 'CC1', state: 'ACCEPTED' }] });
    expect(isAllowed(cc('CC1'), 'ReadReferral', { districtId: 'D1', originInstitutionId: 'HOSP', involved: accepted })).toBe(true);
  });

  it('only the origin cancels, drafts and discharges; only the target answers its offer; only the holder confirms', () => {
    const ref = { districtId: 'D1', originInstitutionId: 'HOSP', offerTargetId: 'CC1', holderInstitutionId: 'CC1', involved: ['HOSP', 'CC1'] };
    expect(isAllowed(planner('HOSP'), 'CancelReferral', ref)).toBe(true);
    expect(isAllowed(cc('CC1'), 'CancelReferral', ref)).toBe(false); // "origin cancels"
    expect(isAllowed(planner('HOSP2'), 'CancelReferral', ref)).toBe(false);
    expect(isAllowed(cc('CC1'), 'StartTransfer', ref)).toBe(false);
    expect(isAllowed(cc('CC1'), 'AcceptOffer', ref)).toBe(true);
    expect(isAllowed(cc('CC2'), 'AcceptOffer', ref)).toBe(false); // "accept/decline offers to it"
    expect(isAllowed(planner('HOSP'), 'AcceptOffer', ref)).toBe(false);
    expect(isAllowed(planner('HOSP'), 'ConfirmAdmission', ref)).toBe(false);
    expect(isAllowed(cc('CC1'), 'ConfirmAdmission', ref)).toBe(true);
    expect(isAllowed(planner('HOSP'), 'RevokeAcceptance', ref)).toBe(false);
  });

  it('district roles see only their district, and a district role without a district sees nothing', () => {
    const ref = { districtId: 'D1', originInstitutionId: 'HOSP', involved: ['HOSP'] };
    expect(isAllowed(actorOf('DISTRICT_COORDINATOR', 'x', 'D1'), 'ReadReferral', ref)).toBe(true);
    expect(isAllowed(actorOf('DISTRICT_COORDINATOR', 'x', 'D2'), 'ReadReferral', ref)).toBe(false);
    expect(isAllowed(actorOf('DISTRICT_COORDINATOR', 'x', 'D2'), 'RerouteReferral', ref)).toBe(false);
    expect(isAllowed(actorOf('AUDITOR', 'x', 'D2'), 'ReadAuditTrail', ref)).toBe(false);
    expect(isAllowed({ userId: 'u', role: 'DISTRICT_COORDINATOR', institutionId: null, districtId: null }, 'ReadReferral', ref)).toBe(false);
  });
});
