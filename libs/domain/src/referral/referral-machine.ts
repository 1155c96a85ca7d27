import { defineMachine } from '../shared/state-machine';

export const REFERRAL_STATES = [
  'DRAFT',
  'SUBMITTED',
  'OFFERED',
  'ACCEPTED',
  'ESCALATED',
  'IN_TRANSFER',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'REJECTED',
] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

export const REFERRAL_COMMANDS = [
  'SubmitReferral',
  'ExtendOffer',
  'ViewOffer',
  'AcceptOffer',
  'DeclineOffer',
  'ExpireOffer',
  'EscalateReferral',
  'RerouteReferral',
  'CloseReferral',
  'RevokeAcceptance',
  'ExpireReservation',
  'StartTransfer',
  'ConfirmAdmission',
  'AbortTransfer',
  'CancelReferral',
] as const;
export type ReferralCommand = (typeof REFERRAL_COMMANDS)[number];

export const TERMINAL_REFERRAL_STATES: readonly ReferralState[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'REJECTED'];
export const LIVE_REFERRAL_STATES: readonly ReferralState[] = REFERRAL_STATES.filter((s) => !TERMINAL_REFERRAL_STATES.includes(s));

/** FHIR R4 Task.status for each referral state (DOMAIN.md). */
export const FHIR_TASK_STATUS: Readonly<Record<ReferralState, string>> = {
  DRAFT: 'draft',
  SUBMITTED: 'requested',
  OFFERED: 'received',
  ACCEPTED: 'accepted',
  ESCALATED: 'on-hold',
  IN_TRANSFER: 'in-progress',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  // closed by the district coordinator: FHIR keeps `rejected` for a refusal by the performer
  REJECTED: 'cancelled',
};

/**
 * The referral lifecycle. Where a row has two targets the aggregate decides by its offers:
 * a decline or expiry leaves it OFFERED while an offer is live or a candidate is left to try,
 * ESCALATED when none is.
 */
export const REFERRAL_MACHINE = defineMachine<ReferralState, ReferralCommand>({
  name: 'Referral',
  states: REFERRAL_STATES,
  commands: REFERRAL_COMMANDS,
  terminal: TERMINAL_REFERRAL_STATES,
  rules: [
    { from: 'DRAFT', command: 'SubmitReferral', to: ['SUBMITTED'] },
    { from: 'DRAFT', command: 'CancelReferral', to: ['CANCELLED'] },

    { from: 'SUBMITTED', command: 'ExtendOffer', to: ['OFFERED'] },
    { from: 'SUBMITTED', command: 'EscalateReferral', to: ['ESCALATED'] },
    { from: 'SUBMITTED', command: 'CancelReferral', to: ['CANCELLED'] },

    { from: 'OFFERED', command: 'ExtendOffer', to: ['OFFERED'] },
    { from: 'OFFERED', command: 'ViewOffer', to: ['OFFERED'] },
    { from: 'OFFERED', command: 'AcceptOffer', to: ['ACCEPTED'] },
    { from: 'OFFERED', command: 'DeclineOffer', to: ['OFFERED', 'ESCALATED'] },
    { from: 'OFFERED', command: 'ExpireOffer', to: ['OFFERED', 'ESCALATED'] },
    { from: 'OFFERED', command: 'EscalateReferral', to: ['ESCALATED'] },
    { from: 'OFFERED', command: 'CancelReferral', to: ['CANCELLED'] },

    { from: 'ESCALATED', command: 'RerouteReferral', to: ['OFFERED'] },
    { from: 'ESCALATED', command: 'CloseReferral', to: ['REJECTED'] },
    { from: 'ESCALATED', command: 'CancelReferral', to: ['CANCELLED'] },

    { from: 'ACCEPTED', command: 'RevokeAcceptance', to: ['OFFERED', 'ESCALATED'] },
    { from: 'ACCEPTED', command: 'ExpireReservation', to: ['OFFERED', 'ESCALATED'] },
    { from: 'ACCEPTED', command: 'StartTransfer', to: ['IN_TRANSFER'] },
    { from: 'ACCEPTED', command: 'CancelReferral', to: ['CANCELLED'] },

    { from: 'IN_TRANSFER', command: 'ConfirmAdmission', to: ['COMPLETED'] },
    { from: 'IN_TRANSFER', command: 'AbortTransfer', to: ['FAILED'] },
    { from: 'IN_TRANSFER', command: 'CancelReferral', to: ['CANCELLED'] },
  ],
});

export const OFFER_STATES = ['PENDING', 'VIEWED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN', 'REVOKED'] as const;
export type OfferState = (typeof OFFER_STATES)[number];
export const OFFER_COMMANDS = ['View', 'Accept', 'Decline', 'Expire', 'Withdraw', 'Revoke'] as const;
export type OfferCommand = (typeof OFFER_COMMANDS)[number];
export const LIVE_OFFER_STATES: readonly OfferState[] = ['PENDING', 'VIEWED'];
/** Offer states that keep the target involved in the referral (reads, AbortTransfer, the patient's record). */
export const LIVE_INVOLVEMENT_OFFER_STATES: readonly OfferState[] = ['PENDING', 'VIEWED', 'ACCEPTED'];

/**
 * Live involvement: the institutions with a say over a referral now. The origin; every target whose
 * offer is live or accepted (PENDING, VIEWED, ACCEPTED); every institution holding the patient's
 * reservation or having received the patient through one (HELD, CONSUMED). A target whose offer was
 * declined, expired, withdrawn or revoked is out: its rights on the referral ended with its offer.
 * One definition for the aggregate, the read side and the events' `involved` list.
 */
export function liveInvolvement(r: {
  originInstitutionId: string;
  offers?: readonly { targetInstitutionId: string; state: string }[];
  reservations?: readonly { institutionId: string; state: string }[];
}): string[] {
  return [
    ...new Set([
      r.originInstitutionId,
      ...(r.offers ?? []).filter((o) => (LIVE_INVOLVEMENT_OFFER_STATES as readonly string[]).includes(o.state)).map((o) => o.targetInstitutionId),
      ...(r.reservations ?? []).filter((x) => x.state === 'HELD' || x.state === 'CONSUMED').map((x) => x.institutionId),
    ]),
  ];
}

export const OFFER_MACHINE = defineMachine<OfferState, OfferCommand>({
  name: 'Offer',
  states: OFFER_STATES,
  commands: OFFER_COMMANDS,
  terminal: ['DECLINED', 'EXPIRED', 'WITHDRAWN', 'REVOKED'],
  rules: [
    { from: 'PENDING', command: 'View', to: ['VIEWED'] },
    ...(['PENDING', 'VIEWED'] as const).flatMap((from) => [
      { from, command: 'Accept' as const, to: ['ACCEPTED' as const] },
      { from, command: 'Decline' as const, to: ['DECLINED' as const] },
      { from, command: 'Expire' as const, to: ['EXPIRED' as const] },
      { from, command: 'Withdraw' as const, to: ['WITHDRAWN' as const] },
    ]),
    { from: 'ACCEPTED', command: 'Revoke', to: ['REVOKED'] },
  ],
});

/** FHIR Task.status of an offer (a child Task owned by the target). */
export const FHIR_OFFER_STATUS: Readonly<Record<OfferState, string>> = {
  PENDING: 'requested',
  VIEWED: 'received',
  ACCEPTED: 'accepted',
  DECLINED: 'rejected',
  EXPIRED: 'failed',
  WITHDRAWN: 'cancelled',
  REVOKED: 'cancelled',
};

export const RESERVATION_STATES = ['HELD', 'CONSUMED', 'RELEASED', 'EXPIRED'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];
export const RESERVATION_COMMANDS = ['Consume', 'Release', 'Expire'] as const;
export type ReservationCommand = (typeof RESERVATION_COMMANDS)[number];

export const RESERVATION_MACHINE = defineMachine<ReservationState, ReservationCommand>({
  name: 'Reservation',
  states: RESERVATION_STATES,
  commands: RESERVATION_COMMANDS,
  terminal: ['CONSUMED', 'RELEASED', 'EXPIRED'],
  rules: [
    { from: 'HELD', command: 'Consume', to: ['CONSUMED'] },
    { from: 'HELD', command: 'Release', to: ['RELEASED'] },
    { from: 'HELD', command: 'Expire', to: ['EXPIRED'] },
  ],
});

export const URGENCIES = ['EMERGENCY', 'URGENT', 'ROUTINE'] as const;
export type Urgency = (typeof URGENCIES)[number];
/** BullMQ priority (lower runs first) so EMERGENCY work overtakes a ROUTINE backlog. */
export const URGENCY_PRIORITY: Readonly<Record<Urgency, number>> = { EMERGENCY: 1, URGENT: 2, ROUTINE: 3 };

export const STRATEGIES = ['BROADCAST', 'CASCADE'] as const;
export type OfferStrategy = (typeof STRATEGIES)[number];

/** HL7 v2 table 0283-style decline reasons, mapped to FHIR Task.statusReason. */
export const DECLINE_REASONS = [
  'NO_CAPACITY',
  'CLINICAL_EXCEEDS_CAPABILITY',
  'LEVEL_OF_CARE_MISMATCH',
  'CARE_GRADE_INELIGIBLE',
  'OUT_OF_SERVICE_AREA',
  'STAFFING',
  'EQUIPMENT_OR_MEDICATION_UNAVAILABLE',
  'ISOLATION_NOT_MANAGEABLE',
  'SAFETY_CONCERN',
  'INCOMPLETE_INFORMATION',
  'PATIENT_OR_FAMILY_DECLINED',
  'OTHER',
] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];
export const DECLINED_BY = ['PROVIDER', 'PATIENT'] as const;
export type DeclinedBy = (typeof DECLINED_BY)[number];
