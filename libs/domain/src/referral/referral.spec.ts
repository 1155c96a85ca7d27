import { Actor, SYSTEM_ACTOR } from '../shared/actor';
import { DeadlineNotReached, DomainError } from '../shared/errors';
import { allowedTargets, canApply } from '../shared/state-machine';
import { Referral, ReferralProps, Offer, Reservation, OfferTiming } from './referral';
import {
  REFERRAL_COMMANDS,
  REFERRAL_MACHINE,
  REFERRAL_STATES,
  ReferralCommand,
  ReferralState,
  OFFER_MACHINE,
  OFFER_STATES,
  OFFER_COMMANDS,
  RESERVATION_MACHINE,
  RESERVATION_STATES,
  RESERVATION_COMMANDS,
  TERMINAL_REFERRAL_STATES,
} from './referral-machine';

const T0 = new Date('2026-11-23T08:00:00Z');
/** The reference (database) clock past every deadline these stories set: the tests play transitions, not time. */
const AFTER_EVERY_DEADLINE = new Date(T0.getTime() + 365 * 86400_000);
const planner: Actor = { userId: 'u-planner', role: 'DISCHARGE_PLANNER', institutionId: 'hosp' };
const receiver: Actor = { userId: 'u-recv', role: 'COMMUNITY_COORDINATOR', institutionId: 'cc1' };
const timing: OfferTiming = { deadlineFor: (now) => new Date(now.getTime() + 3600_000) };

function offer(id: string, target: string, state: Offer['state']): Offer {
  return {
    id,
    targetInstitutionId: target,
    targetBedId: null,
    targetProgrammeId: null,
    state,
    rank: 1,
    deadlineAt: null,
    createdAt: T0,
    viewedAt: null,
    viewedBy: null,
    answeredAt: null,
    answeredBy: null,
    declineReason: null,
    declinedBy: null,
    declineText: null,
  };
}
function held(offerId: string): Reservation {
  return {
    id: 'res-1',
    offerId,
    institutionId: 'cc1',
    bedId: 'bed-1',
    programmeId: null,
    state: 'HELD',
    expiresAt: new Date(T0.getTime() + 86400_000),
    createdAt: T0,
    endedAt: null,
  };
}

/** A referral in any state, with the offers and reservation that state implies. */
function referralIn(state: ReferralState): Referral {
  const base: ReferralProps = {
    id: 'ref-1',
    patientId: 'pat-1',
    districtId: 'd1',
    originInstitutionId: 'hosp',
    originBedId: 'obed',
    originKind: 'HOSPITAL',
    requestedKind: 'COMMUNITY',
    direction: 'DOWNWARD',
    services: ['REHAB'],
    urgency: 'ROUTINE',
    strategy: 'BROADCAST',
    fanout: 3,
    clinicalSummary: 'stable',
    careLevel: 3,
    consent: true,
    expectedArrival: null,
    state,
    offers: [],
    reservations: [],
    candidates: [],
    candidateCursor: 0,
    createdBy: 'u-planner',
    createdAt: T0,
    updatedAt: T0,
    stateReason: null,
  };
  if (state === 'OFFERED') base.offers = [offer('off-1', 'cc1', 'PENDING')];
  if (state === 'ESCALATED') base.offers = [offer('off-1', 'cc1', 'DECLINED')];
  if (state === 'ACCEPTED' || state === 'IN_TRANSFER' || state === 'COMPLETED') {
    base.offers = [offer('off-1', 'cc1', 'ACCEPTED')];
    base.reservations = [held('off-1')];
    if (state === 'COMPLETED') base.reservations[0].state = 'CONSUMED';
  }
  return Referral.rehydrate(base, 1);
}

/** Issues each command with valid arguments, so only the state decides whether it is allowed. */
function apply(r: Referral, command: ReferralCommand): void {
  const at = new Date(T0.getTime() + 1000);
  switch (command) {
    case 'SubmitReferral':
      return r.submit(planner, at);
    case 'ExtendOffer': {
      r.extendOffer({ targetInstitutionId: 'cc2' }, timing, at);
      return;
    }
    case 'ViewOffer': {
      r.viewOffer('off-1', receiver, at);
      return;
    }
    case 'AcceptOffer': {
      r.acceptOffer('off-1', { bedId: 'bed-1', programmeId: null, holdUntil: new Date(at.getTime() + 3600_000) }, receiver, at);
      return;
    }
    case 'DeclineOffer':
      return r.declineOffer('off-1', { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, receiver, timing, at);
    case 'ExpireOffer':
      return r.expireOffer('off-1', timing, at, undefined, AFTER_EVERY_DEADLINE);
    case 'EscalateReferral':
      return r.escalate('test', at);
    case 'RerouteReferral':
      return r.reroute(
        { ...planner, role: 'DISTRICT_COORDINATOR' },
        { candidates: [{ institutionId: 'cc3', bedId: null, programmeId: null, score: 1 }], reason: 'try cc3' },
        timing,
        at,
      );
    case 'CloseReferral':
      return r.close(planner, 'no bed in district', at);
    case 'RevokeAcceptance':
      return r.revokeAcceptance(receiver, 'bed flooded', timing, at);
    case 'ExpireReservation':
      return r.expireReservation('res-1', timing, at, AFTER_EVERY_DEADLINE);
    case 'StartTransfer':
      return r.startTransfer(planner, at);
    case 'ConfirmAdmission': {
      r.confirmAdmission(receiver, at);
      return;
    }
    case 'AbortTransfer':
      return r.abortTransfer(planner, 'patient deteriorated', at);
    case 'CancelReferral':
      return r.cancel(planner, 'family withdrew consent', at);
  }
}

describe('Referral transition table', () => {
  const cells = REFERRAL_STATES.flatMap((s) => REFERRAL_COMMANDS.map((c) => [s, c] as const));
  const allowed = cells.filter(([s, c]) => canApply(REFERRAL_MACHINE, s, c));

  it(`has ${allowed.length} allowed of ${cells.length} (state, command) pairs and no rule out of a terminal state`, () => {
    expect(allowed.length).toBe(REFERRAL_MACHINE.rules.length);
    for (const t of TERMINAL_REFERRAL_STATES) expect(REFERRAL_MACHINE.rules.filter((r) => r.from === t)).toEqual([]);
  });

  it.each(cells)('%s × %s: allowed pairs succeed into a listed state, every other pair is INVALID_TRANSITION', (state, command) => {
    const r = referralIn(state);
    const targets = allowedTargets(REFERRAL_MACHINE, state, command);
    if (targets) {
      apply(r, command);
      expect(targets).toContain(r.state);
      expect(r.peekEvents().length).toBeGreaterThan(0);
    } else {
      let err: unknown;
      try {
        apply(r, command);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('INVALID_TRANSITION');
      expect(r.state).toBe(state);
      expect(r.peekEvents()).toEqual([]);
    }
  });
});

describe.each([
  ['Offer', OFFER_MACHINE, OFFER_STATES, OFFER_COMMANDS],
  ['Reservation', RESERVATION_MACHINE, RESERVATION_STATES, RESERVATION_COMMANDS],
] as const)('%s table', (_name, machine, states, commands) => {
  it('every rule targets known states and terminal states have no rules', () => {
    for (const r of machine.rules) {
      expect(states).toContain(r.from);
      for (const t of r.to) expect(states).toContain(t);
      expect(machine.terminal).not.toContain(r.from);
    }
    expect(commands.length).toBeGreaterThan(0);
  });
});

describe('Referral behaviour', () => {
  const draft = () =>
    Referral.draft(
      {
        id: 'ref-9',
        patientId: 'p',
        districtId: 'd1',
        originInstitutionId: 'hosp',
        originBedId: null,
        originKind: 'HOSPITAL',
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        strategy: 'BROADCAST',
        clinicalSummary: 'stable',
        careLevel: 2,
        consent: true,
        fanout: 2,
      },
      planner,
      T0,
    );
  const cand = (id: string) => ({ institutionId: id, bedId: null, programmeId: null, score: 1 });

  it('derives direction from bed kinds', () => {
    expect(draft().props.direction).toBe('DOWNWARD');
  });

  it('an offer does not expire before its deadline by the database clock, whatever the caller says the time is', () => {
    const r = draft();
    r.submit(planner, T0, { candidates: [cand('a')], timing });
    const o = r.liveOffers[0];
    const due = o.deadlineAt!;
    expect(() => r.expireOffer(o.id, timing, new Date(due.getTime() + 3600_000), undefined, new Date(due.getTime() - 1))).toThrow(DeadlineNotReached);
    expect(r.offer(o.id).state).toBe('PENDING');
    r.expireOffer(o.id, timing, due, undefined, due);
    expect(r.offer(o.id).state).toBe('EXPIRED');
  });

  it('broadcast offers the top N, the first accept withdraws the rest and holds the bed', () => {
    const r = draft();
    r.submit(planner, T0, { candidates: [cand('a'), cand('b'), cand('c')], timing });
    expect(r.state).toBe('OFFERED');
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['a', 'b']);
    const [first] = r.liveOffers;
    r.acceptOffer(first.id, { bedId: 'bed-a', programmeId: null, holdUntil: new Date(T0.getTime() + 1000) }, { ...receiver, institutionId: 'a' }, T0);
    expect(r.state).toBe('ACCEPTED');
    expect(r.liveOffers).toEqual([]);
    expect(r.props.offers.map((o) => o.state)).toEqual(['ACCEPTED', 'WITHDRAWN']);
    expect(r.heldReservation?.bedId).toBe('bed-a');
    expect(r.pullEvents().map((e) => e.type)).toEqual(expect.arrayContaining(['OfferAccepted', 'BedReserved', 'OfferWithdrawn']));
  });

  it('cascade moves to the next candidate on decline and escalates when none is left', () => {
    const r = draft();
    (r.props as ReferralProps).strategy = 'CASCADE';
    r.submit(planner, T0, { candidates: [cand('a'), cand('b')], timing });
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['a']);
    r.declineOffer(r.liveOffers[0].id, { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, receiver, timing, T0);
    expect(r.state).toBe('OFFERED');
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['b']);
    r.expireOffer(r.liveOffers[0].id, timing, T0, undefined, AFTER_EVERY_DEADLINE);
    expect(r.state).toBe('ESCALATED');
  });

  it('an EMERGENCY upward referral escalates on its first lapsed deadline, withdrawing the rest', () => {
    const r = Referral.draft(
      {
        id: 'ref-up',
        patientId: 'p',
        districtId: 'd1',
        originInstitutionId: 'care',
        originBedId: null,
        originKind: 'CARE_HOME',
        requestedKind: 'HOSPITAL',
        services: ['ACUTE'],
        urgency: 'EMERGENCY',
        strategy: 'CASCADE',
        clinicalSummary: 'pneumonia, SpO2 88%',
        careLevel: 5,
        consent: true,
      },
      { ...planner, institutionId: 'care', role: 'CARE_HOME_ADMISSIONS' },
      T0,
    );
    expect(r.props.direction).toBe('UPWARD');
    r.submit(planner, T0, { candidates: [cand('h1'), cand('h2')], timing });
    r.expireOffer(r.liveOffers[0].id, timing, T0, undefined, AFTER_EVERY_DEADLINE);
    expect(r.state).toBe('ESCALATED');
    expect(r.liveOffers).toEqual([]);
    expect(r.pullEvents().filter((e) => e.type === 'ReferralEscalated')[0].payload).toMatchObject({ slaBreach: true });
  });

  it('submitting with an empty candidate list escalates at once', () => {
    const r = draft();
    r.submit(planner, T0, { candidates: [], timing });
    expect(r.state).toBe('ESCALATED');
  });

  it('refuses a submit without consent', () => {
    const r = Referral.rehydrate({ ...draft().props, consent: false }, 0);
    expect(() => r.submit(planner, T0)).toThrow(expect.objectContaining({ code: 'CONSENT_REQUIRED' }));
  });

  it('a decline with reason OTHER needs text', () => {
    const r = referralIn('OFFERED');
    expect(() => r.declineOffer('off-1', { reason: 'OTHER', declinedBy: 'PROVIDER' }, receiver, timing, T0)).toThrow(
      expect.objectContaining({ code: 'DECLINE_TEXT_REQUIRED' }),
    );
  });

  it('an expiry timer for an answered offer is refused harmlessly', () => {
    const r = referralIn('ACCEPTED');
    expect(() => r.expireOffer('off-1', timing, T0)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  });

  it('viewing twice records the evidence once', () => {
    const r = referralIn('OFFERED');
    expect(r.viewOffer('off-1', receiver, T0)).toBe(true);
    expect(r.viewOffer('off-1', receiver, T0)).toBe(false);
    expect(r.pullEvents().filter((e) => e.type === 'OfferViewed')).toHaveLength(1);
  });

  it('cancel releases the held bed and names who was involved', () => {
    const r = referralIn('ACCEPTED');
    r.cancel(planner, 'consent withdrawn', T0);
    expect(r.heldReservation).toBeUndefined();
    const types = r.pullEvents().map((e) => e.type);
    expect(types).toEqual(['ReservationReleased', 'ReferralCancelled']);
  });

  it('admission consumes the hold and confirms the placement', () => {
    const r = referralIn('IN_TRANSFER');
    r.confirmAdmission(receiver, T0);
    expect(r.state).toBe('COMPLETED');
    expect(r.props.reservations[0].state).toBe('CONSUMED');
    expect(r.pullEvents().map((e) => e.type)).toEqual(['PatientAdmitted', 'PlacementConfirmed', 'ReferralCompleted']);
  });

  it('system actor constant is a SYSTEM role', () => {
    expect(SYSTEM_ACTOR.role).toBe('SYSTEM');
  });
});
