import { Actor } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { Candidate, OfferTiming, Referral } from './referral';
import { OfferStrategy } from './referral-machine';

/**
 * Lifecycle stories written from DOMAIN.md's state diagram ("Referral states", "Offers",
 * "Reservations", "Events worth naming"), walked through the aggregate's own methods from a fresh
 * draft. Nothing here reads REFERRAL_MACHINE: the transition table is what is under test, so the
 * expected states and events are spelled out by hand.
 */
const T0 = new Date('2026-11-23T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const timing: OfferTiming = { deadlineFor: (now) => new Date(now.getTime() + 2 * 3600_000) };

const planner: Actor = { userId: 'u-planner', role: 'DISCHARGE_PLANNER', institutionId: 'HOSP', districtId: 'D1' };
const coordinator: Actor = { userId: 'u-dc', role: 'DISTRICT_COORDINATOR', institutionId: null, districtId: 'D1' };
const staffOf = (institutionId: string): Actor => ({ userId: `u-${institutionId}`, role: 'COMMUNITY_COORDINATOR', institutionId, districtId: 'D1' });
const place = (bedId: string) => ({ bedId, programmeId: null, holdUntil: at(24 * 60) });
const candidate = (institutionId: string): Candidate => ({ institutionId, bedId: null, programmeId: null, score: 1 });

/** The events DOMAIN.md names ("Events worth naming"); a story compares the named ones in order. */
const NAMED = new Set([
  'ReferralDrafted',
  'ReferralSubmitted',
  'OfferExtended',
  'OfferAccepted',
  'OfferDeclined',
  'OfferExpired',
  'OfferWithdrawn',
  'ReferralEscalated',
  'ReferralRerouted',
  'BedReserved',
  'ReservationExpired',
  'ReservationReleased',
  'TransferStarted',
  'PatientAdmitted',
  'ReferralCompleted',
  'ReferralCancelled',
  'ReferralFailed',
  'PlacementRequested',
  'PlacementConfirmed',
]);
const named = (r: Referral) =>
  r
    .pullEvents()
    .map((e) => e.type)
    .filter((t) => NAMED.has(t));

/** A downward referral, hospital → community rehab bed (DOMAIN.md: "downward (HOSPITAL → any other)"). */
function downward(strategy: OfferStrategy = 'BROADCAST', fanout = 2): Referral {
  return Referral.draft(
    {
      id: 'ref-story',
      patientId: 'pat-1',
      districtId: 'D1',
      originInstitutionId: 'HOSP',
      originBedId: 'hosp-bed-7',
      originKind: 'HOSPITAL',
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      urgency: 'ROUTINE',
      strategy,
      clinicalSummary: 'hip fracture, post-op day 5, needs rehab',
      careLevel: 3,
      consent: true,
      fanout,
    },
    planner,
    T0,
  );
}
const onlyLive = (r: Referral) => r.liveOffers.map((o) => o.targetInstitutionId);

describe('Referral stories from DOMAIN.md', () => {
  it('downward happy path: DRAFT → SUBMITTED → OFFERED → ACCEPTED → IN_TRANSFER → COMPLETED', () => {
    const r = downward();
    expect(r.state).toBe('DRAFT');
    r.submit(planner, at(1), { candidates: [candidate('CC1')], timing });
    expect(r.state).toBe('OFFERED');
    const [offer] = r.liveOffers;
    expect(offer.targetInstitutionId).toBe('CC1');
    r.viewOffer(offer.id, staffOf('CC1'), at(5)); // "PENDING --first opened by the receiver--> VIEWED"
    expect(r.offer(offer.id).state).toBe('VIEWED');
    r.acceptOffer(offer.id, place('cc1-bed-3'), staffOf('CC1'), at(10));
    expect(r.state).toBe('ACCEPTED'); // "(a bed reservation is held at the target)"
    expect(r.heldReservation).toMatchObject({ institutionId: 'CC1', bedId: 'cc1-bed-3', state: 'HELD' });
    r.startTransfer(planner, at(60)); // "ACCEPTED --discharge from origin--> IN_TRANSFER"
    expect(r.state).toBe('IN_TRANSFER');
    r.confirmAdmission(staffOf('CC1'), at(120)); // "IN_TRANSFER --admitted at target--> COMPLETED"
    expect(r.state).toBe('COMPLETED');
    expect(r.isTerminal).toBe(true);
    expect(r.props.reservations.map((x) => x.state)).toEqual(['CONSUMED']); // "HELD --admit--> CONSUMED"
    expect(named(r)).toEqual([
      'ReferralDrafted',
      'ReferralSubmitted',
      'OfferExtended',
      'PlacementRequested', // downward: "what a care home receives"
      'OfferAccepted',
      'BedReserved',
      'TransferStarted',
      'PatientAdmitted',
      'PlacementConfirmed',
      'ReferralCompleted',
    ]);
  });

  it('cascade: one target at a time, next on decline; every offer declined → ESCALATED; the coordinator reroutes → OFFERED', () => {
    const r = downward('CASCADE');
    r.submit(planner, at(1), { candidates: [candidate('CC1'), candidate('CC2')], timing });
    expect(onlyLive(r)).toEqual(['CC1']); // "cascade (one at a time, next on decline or expiry)"
    r.declineOffer(r.liveOffers[0].id, { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(10));
    expect(r.state).toBe('OFFERED');
    expect(onlyLive(r)).toEqual(['CC2']);
    r.declineOffer(r.liveOffers[0].id, { reason: 'STAFFING', declinedBy: 'PROVIDER' }, staffOf('CC2'), timing, at(20));
    expect(r.state).toBe('ESCALATED'); // "OFFERED --every offer declined/expired, none left--> ESCALATED"
    expect(r.liveOffers).toEqual([]);
    r.reroute(coordinator, { candidates: [candidate('CC3')], reason: 'CC3 opened a rehab bed' }, timing, at(30));
    expect(r.state).toBe('OFFERED'); // "ESCALATED --reroute (new candidates)--> OFFERED"
    expect(onlyLive(r)).toEqual(['CC3']);
    expect(r.props.offers.map((o) => [o.targetInstitutionId, o.state])).toEqual([
      ['CC1', 'DECLINED'],
      ['CC2', 'DECLINED'],
      ['CC3', 'PENDING'],
    ]);
    expect(named(r)).toEqual([
      'ReferralDrafted',
      'ReferralSubmitted',
      'OfferExtended',
      'PlacementRequested',
      'OfferDeclined',
      'OfferExtended',
      'PlacementRequested',
      'OfferDeclined',
      'ReferralEscalated',
      'ReferralRerouted',
      'OfferExtended',
      'PlacementRequested',
    ]);
  });

  it('an escalation the coordinator closes ends REJECTED', () => {
    const r = downward('CASCADE');
    r.submit(planner, at(1), { candidates: [candidate('CC1')], timing });
    r.expireOffer(r.liveOffers[0].id, timing, at(200)); // "--deadline--> EXPIRED", none left
    expect(r.state).toBe('ESCALATED');
    expect(r.props.offers[0].state).toBe('EXPIRED');
    r.close(coordinator, 'no rehab bed in the district this week', at(300));
    expect(r.state).toBe('REJECTED'); // "ESCALATED --coordinator closes--> REJECTED"
    expect(r.props.stateReason).toBe('no rehab bed in the district this week');
    expect(r.isTerminal).toBe(true);
  });

  it('cancel from OFFERED: CANCELLED, and every live offer is withdrawn', () => {
    const r = downward('BROADCAST', 2);
    r.submit(planner, at(1), { candidates: [candidate('CC1'), candidate('CC2')], timing });
    expect(onlyLive(r)).toEqual(['CC1', 'CC2']); // "broadcast (offer to the top N candidates at once)"
    r.pullEvents();
    r.cancel(planner, 'family chose a private home', at(15));
    expect(r.state).toBe('CANCELLED'); // "any non-terminal --origin cancels--> CANCELLED"
    expect(r.props.offers.map((o) => o.state)).toEqual(['WITHDRAWN', 'WITHDRAWN']); // "--referral cancelled--> WITHDRAWN"
    expect(r.heldReservation).toBeUndefined();
    expect(named(r)).toEqual(['OfferWithdrawn', 'OfferWithdrawn', 'ReferralCancelled']);
  });

  it('revoke after accept: the hold is released and the referral goes back out (re-offer), or escalates with nobody left', () => {
    // with a candidate left: "ACCEPTED --target revokes (bed lost)--> OFFERED (re-offer)"
    const again = downward('CASCADE');
    again.submit(planner, at(1), { candidates: [candidate('CC1'), candidate('CC2')], timing });
    again.acceptOffer(again.liveOffers[0].id, place('cc1-bed-3'), staffOf('CC1'), at(10));
    expect(again.state).toBe('ACCEPTED');
    again.pullEvents();
    again.revokeAcceptance(staffOf('CC1'), 'burst pipe on the ward', timing, at(30));
    expect(again.state).toBe('OFFERED');
    expect(onlyLive(again)).toEqual(['CC2']);
    expect(again.props.reservations.map((x) => x.state)).toEqual(['RELEASED']); // "HELD --release--> RELEASED"
    expect(named(again)).toEqual(['ReservationReleased', 'OfferExtended', 'PlacementRequested']);

    // nobody left: "... --> OFFERED (re-offer) or ESCALATED"
    const alone = downward('BROADCAST', 2);
    alone.submit(planner, at(1), { candidates: [candidate('CC1'), candidate('CC2')], timing });
    alone.acceptOffer(alone.liveOffers[0].id, place('cc1-bed-3'), staffOf('CC1'), at(10));
    expect(alone.props.offers.map((o) => o.state)).toEqual(['ACCEPTED', 'WITHDRAWN']); // "first valid accept wins, the rest are withdrawn"
    alone.pullEvents();
    alone.revokeAcceptance(staffOf('CC1'), 'burst pipe on the ward', timing, at(30));
    expect(alone.state).toBe('ESCALATED');
    expect(alone.heldReservation).toBeUndefined();
    expect(named(alone)).toEqual(['ReservationReleased', 'ReferralEscalated']);
  });

  it('a reservation that expires re-offers like a revoke', () => {
    const r = downward('CASCADE');
    r.submit(planner, at(1), { candidates: [candidate('CC1'), candidate('CC2')], timing });
    const res = r.acceptOffer(r.liveOffers[0].id, place('cc1-bed-3'), staffOf('CC1'), at(10));
    r.pullEvents();
    r.expireReservation(res.id, timing, at(24 * 60 + 1)); // "ACCEPTED --reservation expires--> OFFERED"
    expect(r.state).toBe('OFFERED');
    expect(r.props.reservations.map((x) => x.state)).toEqual(['EXPIRED']); // "HELD --deadline--> EXPIRED"
    expect(named(r)).toEqual(['ReservationExpired', 'OfferExtended', 'PlacementRequested']);
  });

  it('abort after start transfer: FAILED, and the target bed is given back', () => {
    const r = downward();
    r.submit(planner, at(1), { candidates: [candidate('CC1')], timing });
    r.acceptOffer(r.liveOffers[0].id, place('cc1-bed-3'), staffOf('CC1'), at(10));
    r.startTransfer(planner, at(60));
    r.pullEvents();
    r.abortTransfer(planner, 'patient deteriorated in the ambulance', at(70));
    expect(r.state).toBe('FAILED'); // "IN_TRANSFER --transfer aborted--> FAILED"
    expect(r.isTerminal).toBe(true);
    expect(r.props.reservations.map((x) => x.state)).toEqual(['RELEASED']);
    expect(named(r)).toEqual(['ReservationReleased', 'ReferralFailed']);
  });
});

describe('moves DOMAIN.md forbids are refused with INVALID_TRANSITION, changing nothing', () => {
  /** Walks a fresh referral to a named point of the diagram. */
  const to = {
    DRAFT: () => downward(),
    SUBMITTED: () => {
      const r = downward();
      r.submit(planner, at(1));
      return r;
    },
    OFFERED: () => {
      const r = downward();
      r.submit(planner, at(1), { candidates: [candidate('CC1')], timing });
      return r;
    },
    ACCEPTED: () => {
      const r = to.OFFERED();
      r.acceptOffer(r.liveOffers[0].id, place('cc1-bed-3'), staffOf('CC1'), at(10));
      return r;
    },
    IN_TRANSFER: () => {
      const r = to.ACCEPTED();
      r.startTransfer(planner, at(60));
      return r;
    },
    COMPLETED: () => {
      const r = to.IN_TRANSFER();
      r.confirmAdmission(staffOf('CC1'), at(120));
      return r;
    },
    CANCELLED: () => {
      const r = to.OFFERED();
      r.cancel(planner, 'consent withdrawn', at(5));
      return r;
    },
    FAILED: () => {
      const r = to.IN_TRANSFER();
      r.abortTransfer(planner, 'deteriorated', at(70));
      return r;
    },
    REJECTED: () => {
      const r = downward();
      r.submit(planner, at(1), { candidates: [], timing }); // nobody to ask: escalates
      r.close(coordinator, 'no bed', at(5));
      return r;
    },
  } as const;

  const forbidden: [why: string, from: keyof typeof to, move: (r: Referral) => unknown][] = [
    ['a draft cannot be offered before it is submitted', 'DRAFT', (r) => r.extendOffer({ targetInstitutionId: 'CC1' }, timing, at(2))],
    ['a draft cannot be discharged', 'DRAFT', (r) => r.startTransfer(planner, at(2))],
    ['no discharge before a bed is accepted', 'OFFERED', (r) => r.startTransfer(planner, at(2))],
    ['no admission without a discharge first', 'ACCEPTED', (r) => r.confirmAdmission(staffOf('CC1'), at(20))],
    ['reroute is for escalations only', 'OFFERED', (r) => r.reroute(coordinator, { candidates: [candidate('CC2')], reason: 'x' }, timing, at(2))],
    ['close is for escalations only', 'SUBMITTED', (r) => r.close(coordinator, 'x', at(2))],
    ['once the patient has left, the target can no longer give the bed back', 'IN_TRANSFER', (r) => r.revokeAcceptance(staffOf('CC1'), 'x', timing, at(80))],
    ['an accepted referral cannot be accepted again', 'ACCEPTED', (r) => r.acceptOffer(r.props.offers[0].id, place('cc1-bed-4'), staffOf('CC1'), at(20))],
    ['COMPLETED is terminal: no cancel', 'COMPLETED', (r) => r.cancel(planner, 'x', at(200))],
    ['CANCELLED is terminal: no new offer', 'CANCELLED', (r) => r.extendOffer({ targetInstitutionId: 'CC2' }, timing, at(10))],
    ['FAILED is terminal: no second transfer', 'FAILED', (r) => r.startTransfer(planner, at(80))],
    ['REJECTED is terminal: no reroute', 'REJECTED', (r) => r.reroute(coordinator, { candidates: [candidate('CC2')], reason: 'x' }, timing, at(10))],
    ['a submitted referral is not submitted twice', 'SUBMITTED', (r) => r.submit(planner, at(2))],
  ];

  it.each(forbidden)('%s (%s)', (_why, from, move) => {
    const r = to[from]();
    expect(r.state).toBe(from);
    r.pullEvents();
    const before = JSON.stringify(r.props);
    let err: unknown;
    try {
      move(r);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('INVALID_TRANSITION');
    expect(r.state).toBe(from);
    expect(JSON.stringify(r.props)).toBe(before);
    expect(r.peekEvents()).toEqual([]);
  });
});
