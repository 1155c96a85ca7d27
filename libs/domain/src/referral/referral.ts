import { randomUUID } from 'node:crypto';
import { BedKind, Direction, directionOf, ServiceCode } from '../beds/bed-kinds';
import { Actor } from '../shared/actor';
import { DeadlineNotReached, DomainError } from '../shared/errors';
import { AggregateRoot } from '../shared/events';
import { transition } from '../shared/state-machine';
import {
  EscortNeed,
  LIVE_WAITING_STATES,
  normalisePreferences,
  preferenceFacts,
  Preferences,
  Transport,
  TRANSPORT_NO_SHOW,
  TransportMode,
  WaitingEntry,
} from './around';
import {
  DeclinedBy,
  DeclineReason,
  liveInvolvement,
  LIVE_OFFER_STATES,
  OFFER_MACHINE,
  OfferCommand,
  OfferState,
  OfferStrategy,
  REFERRAL_MACHINE,
  ReferralCommand,
  ReferralState,
  RESERVATION_MACHINE,
  ReservationState,
  TERMINAL_REFERRAL_STATES,
  Urgency,
} from './referral-machine';

export interface Offer {
  id: string;
  targetInstitutionId: string;
  /** A specific bed suggested by matching; the receiver may pick another of the same kind. */
  targetBedId: string | null;
  /** A home programme (HOME_SICKBED / HOME_CARE) offered instead of a physical bed. */
  targetProgrammeId: string | null;
  state: OfferState;
  rank: number;
  deadlineAt: Date | null;
  createdAt: Date;
  viewedAt: Date | null;
  viewedBy: string | null;
  answeredAt: Date | null;
  answeredBy: string | null;
  declineReason: DeclineReason | null;
  declinedBy: DeclinedBy | null;
  declineText: string | null;
  /**
   * The receiver asked for more information and the district pauses the clock meanwhile: the
   * deadline is cleared (no timer, watchdog or re-arm can find it) and what was left of the window
   * is kept here until the origin replies.
   */
  pausedAt?: Date | null;
  remainingMs?: number | null;
  /** Time spent paused so far: the offer's original window is deadline - created - pausedMs. */
  pausedMs?: number;
}

/** A file attached to a referral; the bytes live encrypted in the document store under `blobKey`. */
export interface ReferralDocument {
  id: string;
  filename: string;
  /** Sniffed from the bytes, never taken from the client. */
  mediaType: string;
  size: number;
  sha256: string;
  storage: 'postgres' | 's3';
  blobKey: string;
  description: string | null;
  uploadedBy: string;
  uploadedAt: Date;
}

export type MessageKind = 'MESSAGE' | 'NEED_MORE_INFO';

/** One message of the thread between the origin and one target (FHIR Communication). */
export interface ReferralMessage {
  id: string;
  referralId: string;
  /** The thread: the target institution the origin talks with. */
  targetInstitutionId: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  offerId: string | null;
  kind: MessageKind;
  text: string;
  sentBy: string;
  sentAt: Date;
}

export interface Reservation {
  id: string;
  offerId: string;
  institutionId: string;
  bedId: string | null;
  programmeId: string | null;
  state: ReservationState;
  expiresAt: Date;
  createdAt: Date;
  endedAt: Date | null;
}

/** A ranked place to offer the referral to, produced by matching or named by a coordinator. */
export interface Candidate {
  institutionId: string;
  bedId: string | null;
  programmeId: string | null;
  score: number;
}

export interface ReferralProps {
  id: string;
  patientId: string;
  districtId: string;
  originInstitutionId: string;
  originBedId: string | null;
  originKind: BedKind;
  requestedKind: BedKind;
  direction: Direction;
  services: ServiceCode[];
  urgency: Urgency;
  strategy: OfferStrategy;
  /** How many candidates one BROADCAST round offers to at once. */
  fanout: number;
  clinicalSummary: string;
  careLevel: number | null;
  consent: boolean;
  expectedArrival: Date | null;
  state: ReferralState;
  offers: Offer[];
  reservations: Reservation[];
  candidates: Candidate[];
  /** Index of the next candidate not yet offered. */
  candidateCursor: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  stateReason: string | null;
  /** AUTO: submit asks matching for candidates and offers at once; MANUAL: offers are extended by hand. */
  dispatch?: DispatchMode;
  /** The patient's and family's choice (ranked, excluded, near whom); matching honours it. */
  preferences?: Preferences | null;
  /** The journey to the accepting institution, once booked. */
  transport?: Transport | null;
  /** Its places on institutions' waiting lists (at most one live at a time). */
  waiting?: WaitingEntry[];
  documents?: ReferralDocument[];
}

export type PreferencesInput = Parameters<typeof normalisePreferences>[0];

export type DispatchMode = 'AUTO' | 'MANUAL';

/** Enough for a discharge summary, an assessment, a medication list and a few scans. */
export const MAX_DOCUMENTS = 20;

export type DraftReferralInput = Pick<
  ReferralProps,
  | 'id'
  | 'patientId'
  | 'districtId'
  | 'originInstitutionId'
  | 'originBedId'
  | 'originKind'
  | 'requestedKind'
  | 'services'
  | 'urgency'
  | 'strategy'
  | 'clinicalSummary'
  | 'careLevel'
  | 'consent'
> & { fanout?: number; expectedArrival?: Date | null; dispatch?: DispatchMode; preferences?: PreferencesInput | null };

/** Per-offer timing decided by policy (deadline per urgency, hold duration), passed in so the domain stays clock-free. */
export interface OfferTiming {
  deadlineFor(now: Date): Date | null;
}

export class Referral extends AggregateRoot {
  readonly aggregateType = 'Referral' as const;
  private constructor(private p: ReferralProps) {
    super();
  }

  // ---------------------------------------------------------------- creation
  static draft(input: DraftReferralInput, actor: Actor, at: Date): Referral {
    if (input.clinicalSummary.trim().length === 0) throw new DomainError('VALIDATION_FAILED', 'clinicalSummary must not be empty');
    // Same-kind moves between community beds are legitimate only as lateral transfers between institutions,
    // and allowed: nothing to check at drafting. That the target is another institution is checked where a
    // target is named (extendOffer, dispatchRound).
    const r = new Referral({
      ...input,
      preferences: input.preferences ? normalisePreferences(input.preferences, input.originInstitutionId, at) : null,
      transport: null,
      waiting: [],
      fanout: Math.max(1, input.fanout ?? 3),
      dispatch: input.dispatch ?? 'MANUAL',
      direction: directionOf(input.originKind, input.requestedKind),
      expectedArrival: input.expectedArrival ?? null,
      state: 'DRAFT',
      offers: [],
      reservations: [],
      documents: [],
      candidates: [],
      candidateCursor: 0,
      createdBy: actor.userId,
      createdAt: at,
      updatedAt: at,
      stateReason: null,
    });
    r.record(
      'ReferralDrafted',
      {
        ...r.summary(),
        clinicalSummary: input.clinicalSummary,
        consent: input.consent,
        originBedId: input.originBedId,
        createdBy: actor.userId,
        preferences: preferenceFacts(r.p.preferences ?? null),
      },
      at,
    );
    return r;
  }

  static rehydrate(props: ReferralProps, version: number): Referral {
    const r = new Referral({
      ...props,
      offers: props.offers.map((o) => ({ ...o })),
      reservations: props.reservations.map((x) => ({ ...x })),
      candidates: [...props.candidates],
      preferences: props.preferences ?? null,
      transport: props.transport ? { ...props.transport } : null,
      waiting: (props.waiting ?? []).map((w) => ({ ...w })),
      documents: (props.documents ?? []).map((x) => ({ ...x })),
    });
    r.version = version;
    return r;
  }

  get id(): string {
    return this.p.id;
  }
  get state(): ReferralState {
    return this.p.state;
  }
  get props(): Readonly<ReferralProps> {
    return this.p;
  }
  get isTerminal(): boolean {
    return TERMINAL_REFERRAL_STATES.includes(this.p.state);
  }
  get liveOffers(): Offer[] {
    return this.p.offers.filter((o) => LIVE_OFFER_STATES.includes(o.state));
  }
  get heldReservation(): Reservation | undefined {
    return this.p.reservations.find((r) => r.state === 'HELD');
  }
  get preferences(): Preferences | null {
    return this.p.preferences ?? null;
  }
  get transport(): Transport | null {
    return this.p.transport ?? null;
  }
  get waitingEntries(): readonly WaitingEntry[] {
    return this.p.waiting ?? [];
  }
  /** Its live place on a waiting list, if any. */
  get liveWaitingEntry(): WaitingEntry | undefined {
    return this.waitingEntries.find((w) => LIVE_WAITING_STATES.includes(w.state));
  }
  get acceptedOffer(): Offer | undefined {
    return this.p.offers.find((o) => o.state === 'ACCEPTED');
  }
  offer(offerId: string): Offer {
    const o = this.p.offers.find((x) => x.id === offerId);
    if (!o) throw new DomainError('OFFER_NOT_FOUND', `referral ${this.p.id} has no offer ${offerId}`, { referralId: this.p.id, offerId });
    return o;
  }
  /**
   * Institutions with a live say over this referral: the origin; every target whose offer is live
   * or accepted (PENDING, VIEWED, ACCEPTED); every institution holding or having received the patient
   * through a reservation (HELD, CONSUMED). A target whose offer was declined, expired, withdrawn
   * or revoked is out: its rights on the referral ended with its offer.
   */
  involvedInstitutions(): string[] {
    return liveInvolvement(this.p);
  }

  /** The facts every referral event carries, so consumers never read state to understand an event. */
  summary(): Record<string, unknown> {
    const p = this.p;
    return {
      referralId: p.id,
      patientId: p.patientId,
      districtId: p.districtId,
      originInstitutionId: p.originInstitutionId,
      originKind: p.originKind,
      requestedKind: p.requestedKind,
      direction: p.direction,
      urgency: p.urgency,
      services: p.services,
      careLevel: p.careLevel,
      state: p.state,
    };
  }

  // ---------------------------------------------------------------- origin side
  /**
   * Submits the referral. With candidates (from matching) the first round of offers goes out
   * at once; with an empty candidate list there is nobody to ask, so it escalates; without a
   * list (undefined) it waits for offers to be extended by hand.
   */
  submit(actor: Actor, at: Date, plan?: { candidates: Candidate[]; timing: OfferTiming }): void {
    if (!this.p.consent) throw new DomainError('CONSENT_REQUIRED', 'the patient (or guardian) has not consented to the referral');
    this.move('SubmitReferral', at);
    this.record('ReferralSubmitted', { ...this.summary(), submittedBy: actor.userId, strategy: this.p.strategy }, at);
    if (plan) {
      this.p.candidates = [...plan.candidates];
      this.p.candidateCursor = 0;
      this.dispatchOrEscalate(at, plan.timing, 'no suitable candidate found by matching');
    }
  }

  /** Extends one offer by hand (planner or coordinator naming a target). */
  extendOffer(
    input: { offerId?: string; targetInstitutionId: string; targetBedId?: string | null; targetProgrammeId?: string | null },
    timing: OfferTiming,
    at: Date,
  ): Offer {
    if (this.p.offers.some((o) => o.targetInstitutionId === input.targetInstitutionId && LIVE_OFFER_STATES.includes(o.state))) {
      throw new DomainError('OFFER_ALREADY_EXTENDED', `institution ${input.targetInstitutionId} already has a live offer for this referral`, {
        referralId: this.p.id,
      });
    }
    if (input.targetInstitutionId === this.p.originInstitutionId) {
      throw new DomainError('VALIDATION_FAILED', 'a referral cannot be offered to its own origin institution');
    }
    if (this.isExcluded(input.targetInstitutionId)) {
      throw new DomainError('VALIDATION_FAILED', `the ${this.preferences!.expressedBy.toLowerCase()} excluded this institution`, {
        institutionId: input.targetInstitutionId,
      });
    }
    return this.newOffer(input, timing.deadlineFor(at), at);
  }

  cancel(actor: Actor, reason: string, at: Date): void {
    const involved = this.involvedInstitutions(); // before the withdrawal: those offered until now are told
    this.move('CancelReferral', at, { reason });
    this.withdrawLiveOffers(at, 'referral cancelled');
    this.endHeldReservation('Release', at, 'referral cancelled');
    this.record('ReferralCancelled', { ...this.summary(), cancelledBy: actor.userId, involved }, at, reason);
  }

  /** `leftBedId`: the bed the patient actually left (the referral's origin bed, or the one found occupied). */
  startTransfer(actor: Actor, at: Date, leftBedId?: string | null, familyDoctorInstitutionId: string | null = null): void {
    const held = this.heldReservation;
    this.move('StartTransfer', at);
    this.closeTransport('DEPARTED', 'TransferStarted', at);
    this.record(
      'TransferStarted',
      {
        ...this.summary(),
        originBedId: leftBedId ?? this.p.originBedId,
        targetInstitutionId: held?.institutionId,
        targetBedId: held?.bedId,
        targetProgrammeId: held?.programmeId,
        startedBy: actor.userId,
        ...toldFamilyDoctor(familyDoctorInstitutionId),
      },
      at,
    );
  }

  abortTransfer(actor: Actor, reason: string, at: Date): void {
    this.move('AbortTransfer', at, { reason });
    this.endHeldReservation('Release', at, 'transfer aborted');
    this.record('ReferralFailed', { ...this.summary(), abortedBy: actor.userId }, at, reason);
  }

  // ---------------------------------------------------------------- target side
  /** First opening by the receiver is evidence ("who saw it, when"); later openings change nothing. */
  viewOffer(offerId: string, actor: Actor, at: Date): boolean {
    this.check('ViewOffer', offerId);
    const o = this.offer(offerId);
    if (o.state === 'VIEWED') return false;
    this.moveOffer(o, 'View');
    o.viewedAt = at;
    o.viewedBy = actor.userId;
    this.record('OfferViewed', { ...this.summary(), offerId, targetInstitutionId: o.targetInstitutionId, viewedBy: actor.userId }, at);
    return true;
  }

  /**
   * Accepts one offer and holds a bed (or home-programme slot) for the patient. The caller has
   * locked the bed and checked it is reservable; the database's unique index on live
   * reservations is the backstop. The other live offers are withdrawn: first valid accept wins.
   */
  acceptOffer(
    offerId: string,
    place: { bedId: string | null; programmeId: string | null; reservationId?: string; holdUntil: Date },
    actor: Actor,
    at: Date,
  ): Reservation {
    this.check('AcceptOffer', offerId);
    const o = this.offer(offerId);
    if (!LIVE_OFFER_STATES.includes(o.state))
      throw new DomainError('INVALID_TRANSITION', `offer ${offerId} is ${o.state} and can no longer be accepted`, {
        machine: 'Offer',
        state: o.state,
        command: 'Accept',
        id: offerId,
      });
    if (!place.bedId === !place.programmeId) throw new DomainError('VALIDATION_FAILED', 'accept names exactly one of bedId or programmeId');
    this.moveOffer(o, 'Accept', at);
    o.answeredAt = at;
    o.answeredBy = actor.userId;
    this.move('AcceptOffer', at);
    const res: Reservation = {
      id: place.reservationId ?? randomUUID(),
      offerId,
      institutionId: o.targetInstitutionId,
      bedId: place.bedId,
      programmeId: place.programmeId,
      state: 'HELD',
      expiresAt: place.holdUntil,
      createdAt: at,
      endedAt: null,
    };
    this.p.reservations.push(res);
    this.record(
      'OfferAccepted',
      { ...this.summary(), offerId, targetInstitutionId: o.targetInstitutionId, acceptedBy: actor.userId, bedId: res.bedId, programmeId: res.programmeId },
      at,
    );
    this.record(
      'BedReserved',
      {
        ...this.summary(),
        reservationId: res.id,
        offerId,
        institutionId: res.institutionId,
        bedId: res.bedId,
        programmeId: res.programmeId,
        kind: this.p.requestedKind,
        expiresAt: res.expiresAt.toISOString(),
      },
      at,
    );
    this.withdrawLiveOffers(at, 'another offer was accepted');
    return res;
  }

  declineOffer(
    offerId: string,
    input: { reason: DeclineReason; declinedBy: DeclinedBy; text?: string | null },
    actor: Actor,
    timing: OfferTiming,
    at: Date,
  ): void {
    this.check('DeclineOffer', offerId);
    const o = this.offer(offerId);
    if (input.reason === 'OTHER' && !input.text?.trim())
      throw new DomainError('DECLINE_TEXT_REQUIRED', 'a decline with reason OTHER needs a free-text explanation');
    // A refusal by the patient or family is always that code and that party, so reports can keep it apart from providers' declines.
    if (input.declinedBy === 'PATIENT' && input.reason !== 'PATIENT_OR_FAMILY_DECLINED')
      throw new DomainError('VALIDATION_FAILED', 'a decline by the patient has reason PATIENT_OR_FAMILY_DECLINED');
    if (input.reason === 'PATIENT_OR_FAMILY_DECLINED') input = { ...input, declinedBy: 'PATIENT' };
    this.moveOffer(o, 'Decline', at);
    o.answeredAt = at;
    o.answeredBy = actor.userId;
    o.declineReason = input.reason;
    o.declinedBy = input.declinedBy;
    o.declineText = input.text?.trim() || null;
    this.record(
      'OfferDeclined',
      {
        ...this.summary(),
        offerId,
        targetInstitutionId: o.targetInstitutionId,
        reason: input.reason,
        declinedBy: input.declinedBy,
        text: o.declineText,
        answeredBy: actor.userId,
      },
      at,
      o.declineText ?? input.reason,
    );
    this.afterOfferEnded('DeclineOffer', timing, at);
  }

  /**
   * Deadline passed. Refused (INVALID_TRANSITION) if the offer was answered meanwhile, or (stale timer) if it was
   * paused and resumed after this timer was armed: timers fire harmlessly. `clock` is the reference clock (the
   * database's): a live offer whose deadline it has not reached yet throws DeadlineNotReached, whatever the
   * worker's own clock says.
   */
  expireOffer(offerId: string, timing: OfferTiming, at: Date, dueAt?: string | null, clock: Date = at): void {
    this.check('ExpireOffer', offerId);
    const o = this.offer(offerId);
    this.refuseStaleTimer(o, 'Expire', dueAt);
    if (LIVE_OFFER_STATES.includes(o.state) && o.deadlineAt && o.deadlineAt.getTime() > clock.getTime())
      throw new DeadlineNotReached(`offer ${offerId}`, o.deadlineAt, clock);
    this.moveOffer(o, 'Expire', at);
    o.answeredAt = at;
    this.record(
      'OfferExpired',
      { ...this.summary(), offerId, targetInstitutionId: o.targetInstitutionId, deadlineAt: o.deadlineAt?.toISOString() ?? null, reasonCode: 'E' },
      at,
    );
    if (this.breachesEmergencySla()) {
      // A deteriorating patient waiting on an unanswered EMERGENCY upward referral is the district's problem at once.
      this.move('ExpireOffer', at, { pick: 'ESCALATED', reason: 'EMERGENCY upward referral unanswered within its window' });
      this.withdrawLiveOffers(at, 'escalated to the district');
      this.record('ReferralEscalated', { ...this.summary(), slaBreach: true, expired: 1 }, at, 'EMERGENCY upward referral unanswered within its window');
      return;
    }
    this.afterOfferEnded('ExpireOffer', timing, at);
  }

  /** The accepting institution lost the bed: the hold is released and the referral goes back out. */
  revokeAcceptance(actor: Actor, reason: string, timing: OfferTiming, at: Date): void {
    const o = this.acceptedOffer;
    this.check('RevokeAcceptance');
    if (!o) throw new DomainError('INVALID_TRANSITION', 'no accepted offer to revoke');
    this.moveOffer(o, 'Revoke', at);
    this.endHeldReservation('Release', at, reason);
    this.record('OfferRevoked', { ...this.summary(), offerId: o.id, targetInstitutionId: o.targetInstitutionId, revokedBy: actor.userId }, at, reason);
    this.afterOfferEnded('RevokeAcceptance', timing, at);
  }

  expireReservation(reservationId: string, timing: OfferTiming, at: Date, clock: Date = at): void {
    const held = this.heldReservation;
    this.check('ExpireReservation');
    if (!held || held.id !== reservationId)
      throw new DomainError('INVALID_TRANSITION', `reservation ${reservationId} is not the live hold of referral ${this.p.id}`, {
        machine: 'Reservation',
        command: 'Expire',
        id: reservationId,
      });
    // the hold's end by the reference clock, as for offers (expireOffer)
    if (held.expiresAt.getTime() > clock.getTime()) throw new DeadlineNotReached(`reservation ${reservationId}`, held.expiresAt, clock);
    this.endHeldReservation('Expire', at, 'hold deadline passed');
    const o = this.acceptedOffer;
    if (o) this.moveOffer(o, 'Revoke', at);
    this.afterOfferEnded('ExpireReservation', timing, at);
  }

  /** `familyDoctorInstitutionId`: the patient's family doctor's centre, told of the admission (payload and `involved`). */
  confirmAdmission(actor: Actor, at: Date, familyDoctorInstitutionId: string | null = null): Reservation {
    const held = this.heldReservation;
    this.check('ConfirmAdmission');
    if (!held) throw new DomainError('INVALID_TRANSITION', `referral ${this.p.id} holds no reservation to admit into`);
    this.move('ConfirmAdmission', at);
    this.closeTransport('ARRIVED', 'ConfirmAdmission', at);
    this.endHeldReservation('Consume', at);
    const where = { institutionId: held.institutionId, bedId: held.bedId, programmeId: held.programmeId, kind: this.p.requestedKind };
    this.record(
      'PatientAdmitted',
      { ...this.summary(), ...where, reservationId: held.id, admittedBy: actor.userId, ...toldFamilyDoctor(familyDoctorInstitutionId) },
      at,
    );
    if (this.p.direction !== 'UPWARD') this.record('PlacementConfirmed', { ...this.summary(), ...where, confirmedBy: actor.userId }, at);
    this.record('ReferralCompleted', { ...this.summary(), ...where }, at);
    return held;
  }

  // ---------------------------------------------------------------- district side
  escalate(reason: string, at: Date): void {
    this.move('EscalateReferral', at, { reason });
    this.withdrawLiveOffers(at, 'escalated to the district');
    this.record(
      'ReferralEscalated',
      {
        ...this.summary(),
        declined: this.p.offers.filter((o) => o.state === 'DECLINED').length,
        expired: this.p.offers.filter((o) => o.state === 'EXPIRED').length,
      },
      at,
      reason,
    );
  }

  reroute(actor: Actor, input: { candidates: Candidate[]; strategy?: OfferStrategy; reason: string }, timing: OfferTiming, at: Date): void {
    this.check('RerouteReferral');
    if (input.candidates.length === 0) throw new DomainError('VALIDATION_FAILED', 'reroute needs at least one candidate');
    if (input.strategy) this.p.strategy = input.strategy;
    this.p.candidates = [...this.p.candidates.slice(0, this.p.candidateCursor), ...input.candidates];
    this.move('RerouteReferral', at, { reason: input.reason });
    this.record(
      'ReferralRerouted',
      { ...this.summary(), reroutedBy: actor.userId, strategy: this.p.strategy, candidates: input.candidates.map((c) => c.institutionId) },
      at,
      input.reason,
    );
    this.dispatchRound(timing, at);
  }

  close(actor: Actor, reason: string, at: Date): void {
    this.move('CloseReferral', at, { reason });
    this.record('ReferralRejected', { ...this.summary(), closedBy: actor.userId, involved: this.involvedInstitutions() }, at, reason);
  }

  /** The patient's care grade changed: the referral carries the new one (receivers and matching read it). */
  reassess(grade: number, at: Date): void {
    if (this.isTerminal || this.p.careLevel === grade) return;
    const from = this.p.careLevel;
    this.p.careLevel = grade;
    this.p.updatedAt = at;
    this.record('ReferralReassessed', { ...this.summary(), from, to: grade }, at);
  }

  // ---------------------------------------------------------------- around the referral
  /** Records (or replaces) what the patient and family want; matching reads it from then on. */
  recordPreferences(input: PreferencesInput, actor: Actor, at: Date): void {
    if (this.isTerminal)
      throw new DomainError('INVALID_TRANSITION', `referral ${this.p.id} is ${this.p.state}: its preferences are history`, {
        machine: 'Referral',
        state: this.p.state,
        command: 'RecordPreferences',
        id: this.p.id,
      });
    this.p.preferences = normalisePreferences(input, this.p.originInstitutionId, at);
    this.p.updatedAt = at;
    this.record('PreferencesRecorded', { ...this.summary(), preferences: preferenceFacts(this.p.preferences), recordedBy: actor.userId }, at);
    // a place the family now refuses is no longer waited for
    const w = this.liveWaitingEntry;
    if (w && this.isExcluded(w.institutionId)) this.leaveWaitingList(w, 'REMOVED', `excluded by the ${this.p.preferences.expressedBy.toLowerCase()}`, at);
  }

  /** Books the journey to the accepting institution (or re-books it); the receiver is told when to expect the patient. */
  arrangeTransport(
    input: { mode: TransportMode; pickupAt: Date; expectedArrivalAt: Date; pickupWindowMs: number; escort: EscortNeed[]; note?: string | null },
    actor: Actor,
    at: Date,
  ): Transport {
    if (this.p.state !== 'ACCEPTED')
      throw new DomainError('INVALID_TRANSITION', `transport is booked for an ACCEPTED referral; ${this.p.id} is ${this.p.state}`, {
        machine: 'Referral',
        state: this.p.state,
        command: 'ArrangeTransport',
        id: this.p.id,
      });
    if (input.expectedArrivalAt.getTime() < input.pickupAt.getTime())
      throw new DomainError('VALIDATION_FAILED', 'the expected arrival cannot be before the pickup');
    const held = this.heldReservation!;
    const t: Transport = {
      mode: input.mode,
      pickupAt: input.pickupAt,
      expectedArrivalAt: input.expectedArrivalAt,
      pickupWindowEndsAt: new Date(input.pickupAt.getTime() + input.pickupWindowMs),
      escort: [...new Set(input.escort)],
      note: input.note?.trim() || null,
      status: 'ARRANGED',
      arrangedAt: at,
      arrangedBy: actor.userId,
      noShowAt: null,
      closedAt: null,
    };
    this.p.transport = t;
    this.p.expectedArrival = t.expectedArrivalAt;
    this.p.updatedAt = at;
    this.record(
      'TransportArranged',
      {
        ...this.summary(),
        targetInstitutionId: held.institutionId,
        targetBedId: held.bedId,
        mode: t.mode,
        pickupAt: t.pickupAt.toISOString(),
        expectedArrivalAt: t.expectedArrivalAt.toISOString(),
        pickupWindowEndsAt: t.pickupWindowEndsAt.toISOString(),
        escort: t.escort,
        arrangedBy: actor.userId,
      },
      at,
    );
    return t;
  }

  /**
   * The pickup window of the booking `windowEndsAt` names passed and the patient has not left: a
   * coded escalation (TRANSPORT_NO_SHOW) for the origin, the receiver and the district. Refused
   * harmlessly when the timer is stale (re-booked, departed, cancelled) or early.
   */
  flagTransportNoShow(windowEndsAt: Date, at: Date): void {
    const t = this.p.transport;
    const stale = !t || t.status !== 'ARRANGED' || this.p.state !== 'ACCEPTED' || t.pickupWindowEndsAt.getTime() !== windowEndsAt.getTime();
    if (stale || at.getTime() < t.pickupWindowEndsAt.getTime())
      throw new DomainError('INVALID_TRANSITION', `no transport no-show to flag on referral ${this.p.id}`, {
        machine: 'Transport',
        state: t?.status ?? 'NONE',
        command: 'FlagNoShow',
        id: this.p.id,
      });
    t.status = 'NO_SHOW';
    t.noShowAt = at;
    this.p.updatedAt = at;
    const held = this.heldReservation;
    this.record(
      'TransportNoShow',
      {
        ...this.summary(),
        code: TRANSPORT_NO_SHOW,
        mode: t.mode,
        targetInstitutionId: held?.institutionId ?? null,
        pickupAt: t.pickupAt.toISOString(),
        pickupWindowEndsAt: t.pickupWindowEndsAt.toISOString(),
      },
      at,
      `${t.mode} pickup window ended at ${t.pickupWindowEndsAt.toISOString()} and the patient has not left`,
    );
  }

  /**
   * The target has no suitable bed: its offer is declined NO_CAPACITY and the referral joins its
   * waiting list (one list at a time; the database's unique index is the backstop).
   */
  waitlist(offerId: string, input: { entryId?: string }, actor: Actor, timing: OfferTiming, at: Date): WaitingEntry {
    this.check('DeclineOffer', offerId);
    const o = this.offer(offerId);
    const live = this.liveWaitingEntry;
    if (live)
      throw new DomainError('ALREADY_EXISTS', `referral ${this.p.id} already waits on a list`, {
        referralId: this.p.id,
        ...(live.institutionId === o.targetInstitutionId ? { institutionId: live.institutionId } : {}),
      });
    const entry: WaitingEntry = {
      id: input.entryId ?? randomUUID(),
      institutionId: o.targetInstitutionId,
      state: 'WAITING',
      addedAt: at,
      addedBy: actor.userId,
      offerId: null,
      bedId: null,
      offeredAt: null,
      endedAt: null,
      endReason: null,
    };
    this.declineOffer(offerId, { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER', text: 'no suitable bed now: placed on the waiting list' }, actor, timing, at);
    this.p.waiting = [...this.waitingEntries, entry];
    this.record('ReferralWaitlisted', { ...this.summary(), entryId: entry.id, institutionId: entry.institutionId, offerId, addedBy: actor.userId }, at);
    return entry;
  }

  /** Whether the patient or family refused this institution outright. */
  isExcluded(institutionId: string): boolean {
    return this.preferences?.excluded.includes(institutionId) ?? false;
  }

  /** Whether a bed freed at `institutionId` may be offered to this referral from that institution's list. */
  waitingFor(institutionId: string): WaitingEntry | undefined {
    const w = this.liveWaitingEntry;
    if (!w || w.state !== 'WAITING' || w.institutionId !== institutionId) return undefined;
    if (!['SUBMITTED', 'OFFERED', 'ESCALATED'].includes(this.p.state)) return undefined;
    if (this.liveOffers.some((o) => o.targetInstitutionId === institutionId)) return undefined;
    return w;
  }

  /** A bed freed at the list's institution: offered to this referral (an escalated one goes back out). */
  offerFromWaitingList(bedId: string, actor: Actor, timing: OfferTiming, at: Date): Offer {
    const w = this.liveWaitingEntry;
    if (!w || !this.waitingFor(w.institutionId))
      throw new DomainError('INVALID_TRANSITION', `referral ${this.p.id} is not waiting for a bed`, {
        machine: 'WaitingList',
        state: w?.state ?? 'NONE',
        command: 'Offer',
        id: this.p.id,
      });
    if (this.p.state === 'ESCALATED') this.move('RerouteReferral', at, { reason: 'a bed freed at a waiting-list institution' });
    const o = this.newOffer({ targetInstitutionId: w.institutionId, targetBedId: bedId }, timing.deadlineFor(at), at);
    w.state = 'OFFERED';
    w.offerId = o.id;
    w.bedId = bedId;
    w.offeredAt = at;
    this.record(
      'WaitingListOffered',
      {
        ...this.summary(),
        entryId: w.id,
        institutionId: w.institutionId,
        bedId,
        offerId: o.id,
        offeredBy: actor.userId,
        waitedSeconds: Math.max(0, Math.round((at.getTime() - w.addedAt.getTime()) / 1000)),
      },
      at,
    );
    return o;
  }

  /** An EMERGENCY upward referral for the same patient replaces this (downward) one: cancelled with the reason. */
  supersede(byReferralId: string, at: Date): void {
    const reason = `superseded by EMERGENCY upward referral ${byReferralId}`;
    const involved = this.involvedInstitutions();
    this.move('CancelReferral', at, { reason });
    this.withdrawLiveOffers(at, reason);
    this.endHeldReservation('Release', at, reason);
    this.record('ReferralCancelled', { ...this.summary(), supersededBy: byReferralId, involved }, at, reason);
  }

  /** Tells the receiver that `fraction` of the offer's window has gone; refused harmlessly once the offer is answered. */
  warnOffer(offerId: string, fraction: number, at: Date, dueAt?: string | null): void {
    this.check('ViewOffer', offerId); // same precondition: the referral is OFFERED
    const o = this.offer(offerId);
    this.refuseStaleTimer(o, 'Warn', dueAt);
    if (!LIVE_OFFER_STATES.includes(o.state))
      throw new DomainError('INVALID_TRANSITION', `offer ${offerId} is ${o.state}: no warning`, {
        machine: 'Offer',
        state: o.state,
        command: 'Warn',
        id: offerId,
      });
    this.record(
      'OfferDeadlineWarning',
      { ...this.summary(), offerId, targetInstitutionId: o.targetInstitutionId, fraction, deadlineAt: o.deadlineAt?.toISOString() ?? null },
      at,
    );
  }

  /** An EMERGENCY upward referral escalates on its first lapsed deadline instead of cascading on. */
  breachesEmergencySla(): boolean {
    return this.p.urgency === 'EMERGENCY' && this.p.direction === 'UPWARD';
  }

  /** Refuses early, by state, before the caller does any other work (e.g. locking a bed). */
  assertCan(command: ReferralCommand): void {
    this.check(command);
  }

  // ---------------------------------------------------------------- documents and messages
  get documents(): readonly ReferralDocument[] {
    return this.p.documents ?? [];
  }

  document(documentId: string): ReferralDocument {
    const d = this.documents.find((x) => x.id === documentId);
    if (!d) throw new DomainError('DOCUMENT_NOT_FOUND', `referral ${this.p.id} has no document ${documentId}`, { referralId: this.p.id, documentId });
    return d;
  }

  /** The origin attaches a file (already sniffed, scanned, encrypted and stored); not once the referral is over. */
  attachDocument(doc: ReferralDocument, actor: Actor, at: Date): void {
    if (this.isTerminal) throw new DomainError('INVALID_TRANSITION', `referral ${this.p.id} is ${this.p.state}: no more documents`, { state: this.p.state });
    if (this.documents.length >= MAX_DOCUMENTS)
      throw new DomainError('VALIDATION_FAILED', `a referral carries at most ${MAX_DOCUMENTS} documents`, { max: MAX_DOCUMENTS });
    if (this.documents.some((d) => d.id === doc.id)) throw new DomainError('ALREADY_EXISTS', `document ${doc.id} is already attached`);
    this.p.documents = [...this.documents, { ...doc }];
    this.p.updatedAt = at;
    this.record(
      'DocumentAttached',
      {
        ...this.summary(),
        documentId: doc.id,
        filename: doc.filename,
        mediaType: doc.mediaType,
        size: doc.size,
        sha256: doc.sha256,
        uploadedBy: actor.userId,
        // every live target is told, each may now fetch it
        involved: this.involvedInstitutions(),
      },
      at,
    );
  }

  /**
   * An audited read: the download lands in the referral's own hash chain (the row is locked, so
   * the chain stays linear), which is what makes it tamper-evident like every command.
   */
  recordDownload(documentId: string, actor: Actor, at: Date): ReferralDocument {
    const d = this.document(documentId);
    this.record(
      'DocumentDownloaded',
      {
        referralId: this.p.id,
        districtId: this.p.districtId,
        documentId,
        sha256: d.sha256,
        downloadedBy: actor.userId,
        institutionId: actor.institutionId ?? null,
      },
      at,
    );
    return d;
  }

  /**
   * A message in the thread between the origin and one target. The target may answer its live offer
   * with NEED_MORE_INFO: when the district pauses the clock, the offer's deadline is cleared and
   * what was left of it kept; the origin's next message in that thread resumes the clock with the
   * same time left (OfferResumed carries the new deadline, the timers re-arm from it).
   */
  postMessage(
    input: { messageId: string; targetInstitutionId?: string | null; text: string; kind: MessageKind; offerId?: string | null },
    actor: Actor,
    policy: { pausesDeadline: boolean },
    at: Date,
  ): ReferralMessage {
    const text = input.text.trim();
    if (!text) throw new DomainError('VALIDATION_FAILED', 'a message needs some text');
    if (this.isTerminal) throw new DomainError('INVALID_TRANSITION', `referral ${this.p.id} is ${this.p.state}: the thread is closed`, { state: this.p.state });
    const mine = actor.institutionId ?? null;
    const fromOrigin = mine === this.p.originInstitutionId;
    const target = fromOrigin ? input.targetInstitutionId : mine;
    if (!target) throw new DomainError('VALIDATION_FAILED', 'the origin names the target institution whose thread this message belongs to');
    // a target whose offer ended has no thread any more (existence not disclosed, like a foreign referral)
    if (!this.involvedInstitutions().includes(target) || target === this.p.originInstitutionId)
      throw new DomainError('FORBIDDEN', `institution ${target} has no live offer on this referral`);
    const offer = this.p.offers.find((o) => o.targetInstitutionId === target && (LIVE_OFFER_STATES.includes(o.state) || o.state === 'ACCEPTED')) ?? null;
    const message: ReferralMessage = {
      id: input.messageId,
      referralId: this.p.id,
      targetInstitutionId: target,
      fromInstitutionId: fromOrigin ? this.p.originInstitutionId : target,
      toInstitutionId: fromOrigin ? target : this.p.originInstitutionId,
      offerId: offer?.id ?? null,
      kind: input.kind,
      text,
      sentBy: actor.userId,
      sentAt: at,
    };
    if (input.offerId && input.offerId !== offer?.id)
      throw new DomainError('OFFER_NOT_FOUND', `offer ${input.offerId} is not the live offer of institution ${target}`, { offerId: input.offerId });
    if (input.kind === 'NEED_MORE_INFO') {
      if (fromOrigin) throw new DomainError('VALIDATION_FAILED', 'only a receiver answers its offer with NEED_MORE_INFO');
      if (!offer || !LIVE_OFFER_STATES.includes(offer.state))
        throw new DomainError('INVALID_TRANSITION', 'only an offer still open can be answered with NEED_MORE_INFO', {
          machine: 'Offer',
          state: offer?.state ?? null,
        });
      if (offer.deadlineAt && offer.deadlineAt.getTime() <= at.getTime())
        throw new DomainError('INVALID_TRANSITION', `offer ${offer.id} ran out at ${offer.deadlineAt.toISOString()}`, { machine: 'Offer', id: offer.id });
    }
    this.record(
      'MessagePosted',
      {
        referralId: this.p.id,
        districtId: this.p.districtId,
        originInstitutionId: this.p.originInstitutionId,
        targetInstitutionId: target,
        messageId: message.id,
        offerId: message.offerId,
        kind: message.kind,
        fromInstitutionId: message.fromInstitutionId,
        toInstitutionId: message.toInstitutionId,
        text: message.text,
        sentBy: actor.userId,
        sentAt: at.toISOString(),
      },
      at,
    );
    if (input.kind === 'NEED_MORE_INFO' && offer && policy.pausesDeadline && !offer.pausedAt && offer.deadlineAt) this.pauseOffer(offer, at);
    if (fromOrigin && offer?.pausedAt) this.resumeOffer(offer, at);
    this.p.updatedAt = at;
    return message;
  }

  /** A read receipt: the reader's side of one thread has read everything up to `upTo`. */
  markThreadRead(input: { targetInstitutionId?: string | null; upToMessageId: string }, actor: Actor, at: Date): string {
    const mine = actor.institutionId ?? null;
    const fromOrigin = mine === this.p.originInstitutionId;
    const target = fromOrigin ? input.targetInstitutionId : mine;
    if (!target) throw new DomainError('VALIDATION_FAILED', 'the origin names the target institution whose thread it read');
    if (!this.involvedInstitutions().includes(target) || target === this.p.originInstitutionId)
      throw new DomainError('FORBIDDEN', `institution ${target} has no live offer on this referral`);
    this.record(
      'MessagesRead',
      {
        referralId: this.p.id,
        districtId: this.p.districtId,
        originInstitutionId: this.p.originInstitutionId,
        targetInstitutionId: target,
        readerInstitutionId: mine,
        upToMessageId: input.upToMessageId,
        readBy: actor.userId,
        readAt: at.toISOString(),
      },
      at,
    );
    return target;
  }

  private pauseOffer(o: Offer, at: Date): void {
    o.remainingMs = Math.max(0, o.deadlineAt!.getTime() - at.getTime());
    o.pausedAt = at;
    const was = o.deadlineAt!.toISOString();
    o.deadlineAt = null;
    this.record(
      'OfferPaused',
      { ...this.summary(), offerId: o.id, targetInstitutionId: o.targetInstitutionId, deadlineWas: was, remainingMs: o.remainingMs },
      at,
      'the receiver needs more information',
    );
  }

  private resumeOffer(o: Offer, at: Date): void {
    const paused = at.getTime() - o.pausedAt!.getTime();
    o.pausedMs = (o.pausedMs ?? 0) + paused;
    o.deadlineAt = new Date(at.getTime() + (o.remainingMs ?? 0));
    o.pausedAt = null;
    o.remainingMs = null;
    this.record(
      'OfferResumed',
      {
        ...this.summary(),
        offerId: o.id,
        targetInstitutionId: o.targetInstitutionId,
        deadlineAt: o.deadlineAt.toISOString(),
        // the window as first given: warnings fall at the same fractions of it, shifted by the pauses
        windowMs: o.deadlineAt.getTime() - o.createdAt.getTime() - o.pausedMs,
        pausedMs: o.pausedMs,
      },
      at,
      'the origin answered',
    );
  }

  /**
   * A timer for a paused offer, or armed for a deadline the offer no longer has (it was paused and
   * resumed since), is refused: only the timer of the current deadline may act.
   */
  private refuseStaleTimer(o: Offer, command: 'Expire' | 'Warn', dueAt?: string | null): void {
    const stale = o.pausedAt
      ? 'its clock is paused'
      : dueAt && o.deadlineAt && new Date(dueAt).getTime() !== o.deadlineAt.getTime()
        ? 'its deadline moved'
        : null;
    if (stale)
      throw new DomainError('INVALID_TRANSITION', `offer ${o.id}: ${stale}, this timer is stale`, { machine: 'Offer', state: o.state, command, id: o.id });
  }

  // ---------------------------------------------------------------- internals
  private check(command: ReferralCommand, id?: string): void {
    transition(REFERRAL_MACHINE, this.p.state, command, { id: id ?? this.p.id });
  }

  private move(command: ReferralCommand, at: Date, opts: { pick?: ReferralState; reason?: string } = {}): void {
    this.p.state = transition(REFERRAL_MACHINE, this.p.state, command, { id: this.p.id, pick: opts.pick });
    this.p.updatedAt = at;
    if (opts.reason !== undefined) this.p.stateReason = opts.reason;
    if (this.isTerminal) {
      for (const w of this.waitingEntries.filter((x) => LIVE_WAITING_STATES.includes(x.state)))
        this.leaveWaitingList(w, 'REMOVED', `referral ${this.p.state}`, at);
      if (this.p.state !== 'COMPLETED') this.closeTransport('CANCELLED', command, at);
    }
  }

  /**
   * Moves an offer, and keeps the waiting lists in step: an accepted referral leaves every list
   * (PLACED where it was accepted from the list); a list offer that ends unaccepted takes the
   * referral off that list, so the freed bed goes to the next one.
   */
  private moveOffer(o: Offer, command: OfferCommand, at?: Date): void {
    o.state = transition(OFFER_MACHINE, o.state, command, { id: o.id });
    if (!at) return;
    for (const w of this.waitingEntries.filter((x) => LIVE_WAITING_STATES.includes(x.state))) {
      if (command === 'Accept') this.leaveWaitingList(w, w.offerId === o.id ? 'PLACED' : 'REMOVED', w.offerId === o.id ? 'accepted' : 'placed elsewhere', at);
      else if (w.offerId === o.id && !LIVE_OFFER_STATES.includes(o.state)) this.leaveWaitingList(w, 'REMOVED', `list offer ${o.state}`, at);
    }
    if (command === 'Revoke') this.closeTransport('CANCELLED', 'RevokeAcceptance', at);
  }

  private leaveWaitingList(w: WaitingEntry, state: 'PLACED' | 'REMOVED', why: string, at: Date): void {
    w.state = state;
    w.endedAt = at;
    w.endReason = why;
    this.record(
      'WaitingListLeft',
      {
        ...this.summary(),
        entryId: w.id,
        institutionId: w.institutionId,
        outcome: state,
        bedId: w.bedId,
        waitedSeconds: Math.max(0, Math.round((at.getTime() - w.addedAt.getTime()) / 1000)),
      },
      at,
      why,
    );
  }

  private closeTransport(status: 'DEPARTED' | 'ARRIVED' | 'CANCELLED', by: string, at: Date): void {
    const t = this.p.transport;
    if (!t || t.status === 'ARRIVED' || t.status === 'CANCELLED' || (t.status === 'DEPARTED' && status === 'DEPARTED')) return;
    const wasNoShow = t.status === 'NO_SHOW';
    t.status = status;
    t.closedAt = status === 'DEPARTED' ? null : at;
    if (wasNoShow) this.record('TransportResolved', { ...this.summary(), code: TRANSPORT_NO_SHOW, status, by }, at);
  }

  private newOffer(
    input: { offerId?: string; targetInstitutionId: string; targetBedId?: string | null; targetProgrammeId?: string | null },
    deadlineAt: Date | null,
    at: Date,
  ): Offer {
    this.move('ExtendOffer', at);
    const o: Offer = {
      id: input.offerId ?? randomUUID(),
      targetInstitutionId: input.targetInstitutionId,
      targetBedId: input.targetBedId ?? null,
      targetProgrammeId: input.targetProgrammeId ?? null,
      state: 'PENDING',
      rank: this.p.offers.length + 1,
      deadlineAt,
      createdAt: at,
      viewedAt: null,
      viewedBy: null,
      answeredAt: null,
      answeredBy: null,
      declineReason: null,
      declinedBy: null,
      declineText: null,
    };
    this.p.offers.push(o);
    const facts = {
      ...this.summary(),
      offerId: o.id,
      targetInstitutionId: o.targetInstitutionId,
      targetBedId: o.targetBedId,
      targetProgrammeId: o.targetProgrammeId,
      deadlineAt: deadlineAt?.toISOString() ?? null,
      rank: o.rank,
    };
    this.record('OfferExtended', facts, at);
    if (this.p.direction !== 'UPWARD') {
      // What a receiving nurse needs to decide; identifiers stay out (patientId is a pseudonymous key).
      this.record(
        'PlacementRequested',
        { ...facts, clinicalSummary: this.p.clinicalSummary, expectedArrival: this.p.expectedArrival?.toISOString() ?? null },
        at,
      );
    }
    return o;
  }

  private withdrawLiveOffers(at: Date, why: string): void {
    for (const o of this.liveOffers) {
      this.moveOffer(o, 'Withdraw', at);
      o.answeredAt = at;
      this.record('OfferWithdrawn', { ...this.summary(), offerId: o.id, targetInstitutionId: o.targetInstitutionId }, at, why);
    }
  }

  private endHeldReservation(command: 'Consume' | 'Release' | 'Expire', at: Date, why?: string): void {
    const held = this.heldReservation;
    if (!held) return;
    held.state = transition(RESERVATION_MACHINE, held.state, command, { id: held.id });
    held.endedAt = at;
    if (command === 'Consume') return; // PatientAdmitted tells the story
    const type = command === 'Expire' ? 'ReservationExpired' : 'ReservationReleased';
    this.record(
      type,
      {
        ...this.summary(),
        reservationId: held.id,
        institutionId: held.institutionId,
        bedId: held.bedId,
        programmeId: held.programmeId,
        kind: this.p.requestedKind,
      },
      at,
      why,
    );
  }

  /** After an offer ends without a placement: wait for the live ones, try the next candidates, or escalate. */
  private afterOfferEnded(command: ReferralCommand, timing: OfferTiming, at: Date): void {
    if (this.liveOffers.length > 0) {
      this.move(command, at, { pick: 'OFFERED' });
      return;
    }
    if (this.p.candidateCursor < this.p.candidates.length) {
      this.move(command, at, { pick: 'OFFERED' });
      this.dispatchRound(timing, at);
      return;
    }
    this.move(command, at, { pick: 'ESCALATED', reason: 'every offer was declined or expired and no candidate is left' });
    this.record(
      'ReferralEscalated',
      {
        ...this.summary(),
        declined: this.p.offers.filter((o) => o.state === 'DECLINED').length,
        expired: this.p.offers.filter((o) => o.state === 'EXPIRED').length,
      },
      at,
      'every offer was declined or expired and no candidate is left',
    );
  }

  private dispatchOrEscalate(at: Date, timing: OfferTiming, why: string): void {
    if (this.p.candidates.length === 0) {
      this.escalate(why, at);
      return;
    }
    this.dispatchRound(timing, at);
  }

  /** One round: CASCADE offers the next candidate, BROADCAST the next `fanout`. */
  private dispatchRound(timing: OfferTiming, at: Date): void {
    const n = this.p.strategy === 'CASCADE' ? 1 : this.p.fanout;
    const deadline = timing.deadlineFor(at);
    let sent = 0;
    while (sent < n && this.p.candidateCursor < this.p.candidates.length) {
      const c = this.p.candidates[this.p.candidateCursor++];
      const busy =
        this.liveOffers.some((o) => o.targetInstitutionId === c.institutionId) ||
        c.institutionId === this.p.originInstitutionId ||
        this.isExcluded(c.institutionId);
      if (busy) continue;
      this.newOffer({ targetInstitutionId: c.institutionId, targetBedId: c.bedId, targetProgrammeId: c.programmeId }, deadline, at);
      sent++;
    }
    if (sent === 0 && this.liveOffers.length === 0) {
      if (this.p.state === 'OFFERED' || this.p.state === 'SUBMITTED') this.escalate('no candidate left to offer', at);
    }
  }
}

/** The family doctor's centre on an admission or discharge event: named, and among those told (`involved`). */
function toldFamilyDoctor(id: string | null): Record<string, unknown> {
  return id ? { familyDoctorInstitutionId: id, involved: [id] } : {};
}
