import { Actor } from '../shared/actor';
import { DeadlineNotReached, DomainError } from '../shared/errors';
import { DomainEvent } from '../shared/events';
import { Candidate, DraftReferralInput, OfferTiming, Referral, ReferralProps } from './referral';
import { OfferStrategy } from './referral-machine';

/**
 * The referral's commands one path at a time, each checked for what it leaves behind: the error's
 * code and details, every event's payload and reason, the resulting states, offers and holds.
 * Expectations are written from DOMAIN.md ("Referral states", "Offers", "Reservations", "Events
 * worth naming", the family doctor); the facts an event carries are spelled out by hand.
 */
const T0 = new Date('2026-11-23T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const WINDOW_MIN = 120;
const timing: OfferTiming = { deadlineFor: (now) => new Date(now.getTime() + WINDOW_MIN * 60_000) };
const noDeadline: OfferTiming = { deadlineFor: () => null };

const planner: Actor = { userId: 'u-planner', role: 'DISCHARGE_PLANNER', institutionId: 'HOSP', districtId: 'D1' };
const coordinator: Actor = { userId: 'u-dc', role: 'DISTRICT_COORDINATOR', institutionId: null, districtId: 'D1' };
const staffOf = (institutionId: string): Actor => ({ userId: `u-${institutionId}`, role: 'COMMUNITY_COORDINATOR', institutionId, districtId: 'D1' });
const candidate = (institutionId: string): Candidate => ({ institutionId, bedId: null, programmeId: null, score: 1 });
const bed = (bedId: string, holdUntil = at(24 * 60)) => ({ bedId, programmeId: null, holdUntil });

function input(over: Partial<DraftReferralInput> = {}): DraftReferralInput {
  return {
    id: 'ref-p',
    patientId: 'pat-1',
    districtId: 'D1',
    originInstitutionId: 'HOSP',
    originBedId: 'hosp-bed-7',
    originKind: 'HOSPITAL',
    requestedKind: 'COMMUNITY',
    services: ['REHAB'],
    urgency: 'ROUTINE',
    strategy: 'BROADCAST',
    clinicalSummary: 'hip fracture, post-op day 5',
    careLevel: 3,
    consent: true,
    fanout: 2,
    ...over,
  };
}
const draft = (over: Partial<DraftReferralInput> = {}) => Referral.draft(input(over), planner, T0);

/** Submitted with matching's candidates at minute 1; the setup's events are dropped. */
function offered(candidates: string[], strategy: OfferStrategy = 'BROADCAST', over: Partial<DraftReferralInput> = {}): Referral {
  const r = draft({ strategy, fanout: candidates.length, ...over });
  r.submit(planner, at(1), { candidates: candidates.map(candidate), timing });
  r.pullEvents();
  return r;
}
const liveId = (r: Referral, institutionId: string) => r.liveOffers.find((o) => o.targetInstitutionId === institutionId)!.id;

/** Offered to CC1 alone and accepted there (bed cc1-bed-3, hold until minute 600); events dropped. */
function accepted(over: Partial<DraftReferralInput> = {}): Referral {
  const r = offered(['CC1'], 'CASCADE', over);
  r.acceptOffer(liveId(r, 'CC1'), { ...bed('cc1-bed-3', at(600)), reservationId: 'res-1' }, staffOf('CC1'), at(10));
  r.pullEvents();
  return r;
}

/** What every referral event carries (DOMAIN.md: consumers never read state to understand an event). */
const facts = (state: string, over: Record<string, unknown> = {}) => ({
  referralId: 'ref-p',
  patientId: 'pat-1',
  districtId: 'D1',
  originInstitutionId: 'HOSP',
  originKind: 'HOSPITAL',
  requestedKind: 'COMMUNITY',
  direction: 'DOWNWARD',
  urgency: 'ROUTINE',
  services: ['REHAB'],
  careLevel: 3,
  state,
  ...over,
});
const only = (events: DomainEvent[], type: string): DomainEvent => {
  const hits = events.filter((e) => e.type === type);
  expect(hits).toHaveLength(1);
  return hits[0];
};
function caught(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a refusal');
}
function notYet(f: () => unknown): DeadlineNotReached {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DeadlineNotReached);
    return e as DeadlineNotReached;
  }
  throw new Error('expected DeadlineNotReached');
}

describe('draft', () => {
  it('refuses a clinical summary of blanks, naming the field, and drafts nothing', () => {
    const e = caught(() => draft({ clinicalSummary: ' \n\t ' }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/clinicalSummary/);
  });

  it('offers are extended by hand unless AUTO dispatch is asked for', () => {
    expect(draft().props.dispatch).toBe('MANUAL');
    expect(draft({ dispatch: 'AUTO' }).props.dispatch).toBe('AUTO');
  });

  it('a lateral move between two community beds is a legitimate draft', () => {
    const r = draft({ originKind: 'COMMUNITY', requestedKind: 'COMMUNITY' });
    expect(r.state).toBe('DRAFT');
    expect(r.props.direction).toBe('LATERAL');
  });

  it('ReferralDrafted carries the facts, the clinical summary, consent, the origin bed, who drafted it and the preferences without the location', () => {
    const r = draft({
      preferences: { ranked: ['CC1'], excluded: ['CC9'], expressedBy: 'FAMILY', near: { of: 'HOME', lat: 31.23456, lng: 121.45678 } },
    });
    const [e] = r.pullEvents();
    expect(e.type).toBe('ReferralDrafted');
    expect(e.occurredAt).toEqual(T0);
    expect(e.payload).toEqual({
      ...facts('DRAFT'),
      clinicalSummary: 'hip fracture, post-op day 5',
      consent: true,
      originBedId: 'hosp-bed-7',
      createdBy: 'u-planner',
      preferences: { ranked: ['CC1'], excluded: ['CC9'], near: 'HOME', expressedBy: 'FAMILY' },
    });
    expect(r.preferences).toMatchObject({ ranked: ['CC1'], excluded: ['CC9'], recordedAt: T0 });
  });
});

describe('rehydrate', () => {
  const stored = (): ReferralProps => {
    const r = offered(['CC1', 'CC2'], 'CASCADE', {
      preferences: { ranked: [], excluded: ['CC9'], expressedBy: 'PATIENT' },
    });
    return JSON.parse(JSON.stringify(r.props), (k, v) => (/At$|Arrival$/.test(k) && typeof v === 'string' ? new Date(v) : v)) as ReferralProps;
  };

  it('keeps the candidates not yet tried: a decline after loading offers the next one', () => {
    const props = stored();
    expect(props.candidateCursor).toBe(1);
    const r = Referral.rehydrate(props, 4);
    expect(r.version).toBe(4);
    r.declineOffer(liveId(r, 'CC1'), { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    expect(r.state).toBe('OFFERED');
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['CC2']);
  });

  it('keeps the preferences: an excluded institution is still refused after loading', () => {
    const r = Referral.rehydrate(stored(), 4);
    expect(r.preferences).toMatchObject({ excluded: ['CC9'], expressedBy: 'PATIENT' });
    expect(caught(() => r.extendOffer({ targetInstitutionId: 'CC9' }, timing, at(5))).code).toBe('VALIDATION_FAILED');
  });

  it('works on its own copy: changing the loaded referral leaves the stored props alone', () => {
    const props = stored();
    const r = Referral.rehydrate(props, 4);
    r.declineOffer(liveId(r, 'CC1'), { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    expect(props.offers.map((o) => o.state)).toEqual(['PENDING']);
    expect(props.candidateCursor).toBe(1);
  });
});

describe('offer lookup and the facts of an event', () => {
  it('an unknown offer is OFFER_NOT_FOUND naming the referral and the offer', () => {
    const r = offered(['CC1']);
    const e = caught(() => r.viewOffer('no-such-offer', staffOf('CC1'), at(2)));
    expect(e.code).toBe('OFFER_NOT_FOUND');
    expect(e.details).toEqual({ referralId: 'ref-p', offerId: 'no-such-offer' });
    expect(e.message).toMatch(/no-such-offer/);
    expect(r.peekEvents()).toEqual([]);
  });

  it('summary() is the referral’s identity, route, need and state', () => {
    const r = offered(['CC1']);
    expect(r.summary()).toEqual(facts('OFFERED'));
  });
});

describe('submit', () => {
  it('without consent: CONSENT_REQUIRED, still a draft, nothing recorded', () => {
    const r = draft({ consent: false });
    r.pullEvents();
    const e = caught(() => r.submit(planner, at(1), { candidates: [candidate('CC1')], timing }));
    expect(e.code).toBe('CONSENT_REQUIRED');
    expect(e.message).toMatch(/consent/);
    expect(r.state).toBe('DRAFT');
    expect(r.props.offers).toEqual([]);
    expect(r.peekEvents()).toEqual([]);
  });

  it('ReferralSubmitted names who submitted and the strategy; without a plan it waits for offers by hand', () => {
    const r = draft({ strategy: 'CASCADE' });
    r.pullEvents();
    r.submit(planner, at(1));
    expect(r.state).toBe('SUBMITTED');
    const [e] = r.pullEvents();
    expect(e.type).toBe('ReferralSubmitted');
    expect(e.payload).toEqual({ ...facts('SUBMITTED'), submittedBy: 'u-planner', strategy: 'CASCADE' });
    expect(r.props.updatedAt).toEqual(at(1));
  });

  it('matching found nobody: ESCALATED at once, with the reason and no offer counted', () => {
    const r = draft();
    r.pullEvents();
    r.submit(planner, at(1), { candidates: [], timing });
    expect(r.state).toBe('ESCALATED');
    const e = only(r.pullEvents(), 'ReferralEscalated');
    expect(e.payload).toEqual({ ...facts('ESCALATED'), declined: 0, expired: 0 });
    expect(e.reason).toMatch(/matching/);
    expect(r.props.stateReason).toBe(e.reason);
  });
});

describe('extendOffer', () => {
  const manual = () => {
    const r = draft();
    r.submit(planner, at(1));
    r.pullEvents();
    return r;
  };

  it('the offer is PENDING, ranked, with the policy deadline', () => {
    const r = manual();
    const o = r.extendOffer({ offerId: 'o-1', targetInstitutionId: 'CC1', targetBedId: 'cc1-bed-3' }, timing, at(2));
    expect(o).toMatchObject({ id: 'o-1', targetInstitutionId: 'CC1', targetBedId: 'cc1-bed-3', state: 'PENDING', rank: 1, createdAt: at(2) });
    expect(o.deadlineAt).toEqual(at(2 + WINDOW_MIN));
    expect(r.state).toBe('OFFERED');
  });

  it('one live offer per institution: a second is OFFER_ALREADY_EXTENDED; another institution, or the same after its decline, may be asked', () => {
    const r = manual();
    const first = r.extendOffer({ targetInstitutionId: 'CC1' }, timing, at(2));
    const e = caught(() => r.extendOffer({ targetInstitutionId: 'CC1' }, timing, at(3)));
    expect(e.code).toBe('OFFER_ALREADY_EXTENDED');
    expect(e.details).toEqual({ referralId: 'ref-p' });
    expect(e.message).toMatch(/CC1/);
    expect(r.props.offers).toHaveLength(1);

    r.extendOffer({ targetInstitutionId: 'CC2' }, timing, at(3));
    r.declineOffer(first.id, { reason: 'STAFFING', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(4));
    const again = r.extendOffer({ targetInstitutionId: 'CC1' }, timing, at(5));
    expect(again).toMatchObject({ state: 'PENDING', rank: 3 });
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['CC2', 'CC1']);
  });

  it('never to the referring institution itself', () => {
    const r = manual();
    const e = caught(() => r.extendOffer({ targetInstitutionId: 'HOSP' }, timing, at(2)));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/origin/);
    expect(r.props.offers).toEqual([]);
    expect(r.state).toBe('SUBMITTED');
  });

  it('never to an institution the family excluded, saying who excluded it', () => {
    const r = draft({ preferences: { ranked: [], excluded: ['CC9'], expressedBy: 'FAMILY' } });
    r.submit(planner, at(1));
    r.pullEvents();
    const e = caught(() => r.extendOffer({ targetInstitutionId: 'CC9' }, timing, at(2)));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details).toEqual({ institutionId: 'CC9' });
    expect(e.message).toMatch(/the family excluded/);
    expect(r.props.offers).toEqual([]);
    expect(r.peekEvents()).toEqual([]);
  });
});

describe('cancel', () => {
  it('from OFFERED: the reason is kept, every live offer withdrawn because of the cancel, and those offered until now are told', () => {
    const r = offered(['CC1', 'CC2']);
    r.cancel(planner, 'family chose a private home', at(15));
    expect(r.state).toBe('CANCELLED');
    expect(r.props.stateReason).toBe('family chose a private home');
    expect(r.props.offers.map((o) => [o.state, o.answeredAt])).toEqual([
      ['WITHDRAWN', at(15)],
      ['WITHDRAWN', at(15)],
    ]);
    const events = r.pullEvents();
    const withdrawn = events.filter((e) => e.type === 'OfferWithdrawn');
    expect(withdrawn.map((e) => e.payload.targetInstitutionId)).toEqual(['CC1', 'CC2']);
    for (const w of withdrawn) expect(w.reason).toMatch(/cancel/);
    const c = only(events, 'ReferralCancelled');
    expect(c.payload).toEqual({ ...facts('CANCELLED'), cancelledBy: 'u-planner', involved: ['HOSP', 'CC1', 'CC2'] });
    expect(c.reason).toBe('family chose a private home');
  });

  it('from ACCEPTED: the held bed is released, saying the referral was cancelled', () => {
    const r = accepted();
    r.cancel(planner, 'consent withdrawn', at(30));
    expect(r.props.reservations[0]).toMatchObject({ state: 'RELEASED', endedAt: at(30) });
    const rel = only(r.pullEvents(), 'ReservationReleased');
    expect(rel.reason).toMatch(/cancel/);
    expect(rel.payload).toEqual({
      ...facts('CANCELLED'),
      reservationId: 'res-1',
      institutionId: 'CC1',
      bedId: 'cc1-bed-3',
      programmeId: null,
      kind: 'COMMUNITY',
    });
  });
});

describe('startTransfer', () => {
  it('TransferStarted names the bed the patient left, where they go, who started it, and the family doctor told', () => {
    const r = accepted();
    r.startTransfer(planner, at(60), 'hosp-bed-9', 'FD-CENTRE');
    expect(r.state).toBe('IN_TRANSFER');
    const [e] = r.pullEvents();
    expect(e.type).toBe('TransferStarted');
    expect(e.payload).toEqual({
      ...facts('IN_TRANSFER'),
      originBedId: 'hosp-bed-9',
      targetInstitutionId: 'CC1',
      targetBedId: 'cc1-bed-3',
      targetProgrammeId: null,
      startedBy: 'u-planner',
      familyDoctorInstitutionId: 'FD-CENTRE',
      involved: ['FD-CENTRE'],
    });
  });

  it('without a bed named, the referral’s origin bed; without a family doctor, nobody else is told', () => {
    const r = accepted();
    r.startTransfer(planner, at(60));
    const [e] = r.pullEvents();
    expect(e.payload.originBedId).toBe('hosp-bed-7');
    expect(e.payload).not.toHaveProperty('familyDoctorInstitutionId');
    expect(e.payload).not.toHaveProperty('involved');
  });

  it('a home programme placement names the programme, not a bed', () => {
    const r = offered(['CC1'], 'CASCADE', { requestedKind: 'HOME_SICKBED' });
    r.acceptOffer(liveId(r, 'CC1'), { bedId: null, programmeId: 'prog-1', holdUntil: at(600) }, staffOf('CC1'), at(10));
    r.pullEvents();
    r.startTransfer(planner, at(60));
    expect(r.pullEvents()[0].payload).toMatchObject({ targetBedId: null, targetProgrammeId: 'prog-1' });
  });

  it('a transport no-show is resolved by the departure', () => {
    const r = accepted();
    r.arrangeTransport({ mode: 'AMBULANCE', pickupAt: at(30), expectedArrivalAt: at(60), pickupWindowMs: 600_000, escort: [] }, planner, at(20));
    r.flagTransportNoShow(at(40), at(41));
    r.pullEvents();
    r.startTransfer(planner, at(50));
    const resolved = only(r.pullEvents(), 'TransportResolved');
    expect(resolved.payload).toMatchObject({ code: 'TRANSPORT_NO_SHOW', status: 'DEPARTED', by: 'TransferStarted' });
  });
});

describe('abortTransfer', () => {
  it('FAILED with the reason; the target bed is given back, saying the transfer was aborted', () => {
    const r = accepted();
    r.startTransfer(planner, at(60));
    r.pullEvents();
    r.abortTransfer(planner, 'deteriorated in the ambulance', at(70));
    expect(r.state).toBe('FAILED');
    expect(r.props.stateReason).toBe('deteriorated in the ambulance');
    expect(r.props.reservations[0]).toMatchObject({ state: 'RELEASED', endedAt: at(70) });
    const events = r.pullEvents();
    expect(only(events, 'ReservationReleased').reason).toMatch(/abort/);
    const failed = only(events, 'ReferralFailed');
    expect(failed.payload).toEqual({ ...facts('FAILED'), abortedBy: 'u-planner' });
    expect(failed.reason).toBe('deteriorated in the ambulance');
  });
});

describe('viewOffer', () => {
  it('the first opening is evidence: who saw it and when', () => {
    const r = offered(['CC1']);
    const id = liveId(r, 'CC1');
    expect(r.viewOffer(id, staffOf('CC1'), at(5))).toBe(true);
    expect(r.offer(id)).toMatchObject({ state: 'VIEWED', viewedAt: at(5), viewedBy: 'u-CC1' });
    const [e] = r.pullEvents();
    expect(e.type).toBe('OfferViewed');
    expect(e.occurredAt).toEqual(at(5));
    expect(e.payload).toEqual({ ...facts('OFFERED'), offerId: id, targetInstitutionId: 'CC1', viewedBy: 'u-CC1' });
  });
});

describe('acceptOffer', () => {
  it('an offer that is no longer live cannot be accepted, while the referral is still OFFERED', () => {
    const r = offered(['CC1', 'CC2']);
    const declined = liveId(r, 'CC1');
    r.declineOffer(declined, { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    r.pullEvents();
    const e = caught(() => r.acceptOffer(declined, bed('cc1-bed-3'), staffOf('CC1'), at(6)));
    expect(e.code).toBe('INVALID_TRANSITION');
    expect(e.details).toEqual({ machine: 'Offer', state: 'DECLINED', command: 'Accept', id: declined });
    expect(e.message).toMatch(/can no longer be accepted/);
    expect(r.state).toBe('OFFERED');
    expect(r.props.reservations).toEqual([]);
    expect(r.peekEvents()).toEqual([]);
  });

  it.each([
    ['both a bed and a programme', { bedId: 'cc1-bed-3', programmeId: 'prog-1' }],
    ['neither a bed nor a programme', { bedId: null, programmeId: null }],
  ])('names exactly one place: %s is VALIDATION_FAILED', (_what, place) => {
    const r = offered(['CC1']);
    const id = liveId(r, 'CC1');
    const e = caught(() => r.acceptOffer(id, { ...place, holdUntil: at(600) }, staffOf('CC1'), at(5)));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/exactly one/);
    expect(r.offer(id).state).toBe('PENDING');
    expect(r.state).toBe('OFFERED');
    expect(r.peekEvents()).toEqual([]);
  });

  it('holds the bed until the hold ends, records who accepted, and withdraws the rest because another was accepted', () => {
    const r = offered(['CC1', 'CC2']);
    const id = liveId(r, 'CC1');
    const res = r.acceptOffer(id, { bedId: 'cc1-bed-3', programmeId: null, reservationId: 'res-9', holdUntil: at(600) }, staffOf('CC1'), at(10));
    expect(res).toEqual({
      id: 'res-9',
      offerId: id,
      institutionId: 'CC1',
      bedId: 'cc1-bed-3',
      programmeId: null,
      state: 'HELD',
      expiresAt: at(600),
      createdAt: at(10),
      endedAt: null,
    });
    expect(r.offer(id)).toMatchObject({ state: 'ACCEPTED', answeredAt: at(10), answeredBy: 'u-CC1' });
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['OfferAccepted', 'BedReserved', 'OfferWithdrawn']);
    expect(events[0].payload).toEqual({
      ...facts('ACCEPTED'),
      offerId: id,
      targetInstitutionId: 'CC1',
      acceptedBy: 'u-CC1',
      bedId: 'cc1-bed-3',
      programmeId: null,
    });
    expect(events[1].payload).toEqual({
      ...facts('ACCEPTED'),
      reservationId: 'res-9',
      offerId: id,
      institutionId: 'CC1',
      bedId: 'cc1-bed-3',
      programmeId: null,
      kind: 'COMMUNITY',
      expiresAt: at(600).toISOString(),
    });
    expect(events[2].payload).toMatchObject({ targetInstitutionId: 'CC2' });
    expect(events[2].reason).toMatch(/accepted/);
  });
});

describe('declineOffer', () => {
  it('reason OTHER with only blanks for text is DECLINE_TEXT_REQUIRED', () => {
    const r = offered(['CC1']);
    const id = liveId(r, 'CC1');
    const e = caught(() => r.declineOffer(id, { reason: 'OTHER', declinedBy: 'PROVIDER', text: '   ' }, staffOf('CC1'), timing, at(5)));
    expect(e.code).toBe('DECLINE_TEXT_REQUIRED');
    expect(e.message).toMatch(/OTHER/);
    expect(r.offer(id).state).toBe('PENDING');
  });

  it('a refusal by the patient has reason PATIENT_OR_FAMILY_DECLINED; any other reason is VALIDATION_FAILED', () => {
    const r = offered(['CC1']);
    const id = liveId(r, 'CC1');
    const e = caught(() => r.declineOffer(id, { reason: 'NO_CAPACITY', declinedBy: 'PATIENT' }, staffOf('CC1'), timing, at(5)));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/PATIENT_OR_FAMILY_DECLINED/);
    expect(r.offer(id).state).toBe('PENDING');
    expect(r.peekEvents()).toEqual([]);
  });

  it('PATIENT_OR_FAMILY_DECLINED is always the patient’s decline, whoever typed it', () => {
    const r = offered(['CC1', 'CC2']);
    const id = liveId(r, 'CC1');
    r.declineOffer(id, { reason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    expect(r.offer(id)).toMatchObject({ state: 'DECLINED', declineReason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PATIENT' });
    expect(only(r.pullEvents(), 'OfferDeclined').payload).toMatchObject({ declinedBy: 'PATIENT' });
  });

  it('a provider’s decline stays the provider’s, with its text trimmed, and the text is the event’s reason', () => {
    const r = offered(['CC1', 'CC2']);
    const id = liveId(r, 'CC1');
    r.declineOffer(id, { reason: 'OTHER', declinedBy: 'PROVIDER', text: '  lift out of order  ' }, staffOf('CC1'), timing, at(5));
    expect(r.offer(id)).toMatchObject({
      state: 'DECLINED',
      answeredAt: at(5),
      answeredBy: 'u-CC1',
      declineReason: 'OTHER',
      declinedBy: 'PROVIDER',
      declineText: 'lift out of order',
    });
    const e = only(r.pullEvents(), 'OfferDeclined');
    expect(e.payload).toEqual({
      ...facts('OFFERED'),
      offerId: id,
      targetInstitutionId: 'CC1',
      reason: 'OTHER',
      declinedBy: 'PROVIDER',
      text: 'lift out of order',
      answeredBy: 'u-CC1',
    });
    expect(e.reason).toBe('lift out of order');
    expect(r.state).toBe('OFFERED'); // CC2 still live
  });

  it('without text the decline code is the event’s reason', () => {
    const r = offered(['CC1', 'CC2']);
    const id = liveId(r, 'CC1');
    r.declineOffer(id, { reason: 'STAFFING', declinedBy: 'PROVIDER', text: ' ' }, staffOf('CC1'), timing, at(5));
    expect(r.offer(id).declineText).toBeNull();
    const e = only(r.pullEvents(), 'OfferDeclined');
    expect(e.payload).toMatchObject({ text: null });
    expect(e.reason).toBe('STAFFING');
  });
});

describe('expireOffer', () => {
  it('before the deadline by the reference clock: DeadlineNotReached naming the offer, its deadline and that clock', () => {
    const r = offered(['CC1']);
    const id = liveId(r, 'CC1');
    const deadline = at(1 + WINDOW_MIN);
    const e = notYet(() => r.expireOffer(id, timing, at(500), undefined, at(WINDOW_MIN)));
    expect(e.what).toBe(`offer ${id}`);
    expect(e.dueAt).toEqual(deadline);
    expect(e.now).toEqual(at(WINDOW_MIN));
    expect(r.offer(id).state).toBe('PENDING');
  });

  it('OfferExpired names the deadline that passed and carries the expiry code E (HL7 v2-0283)', () => {
    const r = offered(['CC1', 'CC2']);
    const id = liveId(r, 'CC1');
    r.expireOffer(id, timing, at(1 + WINDOW_MIN));
    expect(r.offer(id)).toMatchObject({ state: 'EXPIRED', answeredAt: at(1 + WINDOW_MIN) });
    const e = only(r.pullEvents(), 'OfferExpired');
    expect(e.payload).toEqual({ ...facts('OFFERED'), offerId: id, targetInstitutionId: 'CC1', deadlineAt: at(1 + WINDOW_MIN).toISOString(), reasonCode: 'E' });
  });

  it('an offer without a deadline says so (null) when it is expired', () => {
    const r = draft();
    r.submit(planner, at(1));
    const o = r.extendOffer({ targetInstitutionId: 'CC1' }, noDeadline, at(2));
    r.extendOffer({ targetInstitutionId: 'CC2' }, noDeadline, at(2));
    r.pullEvents();
    r.expireOffer(o.id, noDeadline, at(3));
    expect(only(r.pullEvents(), 'OfferExpired').payload).toMatchObject({ deadlineAt: null, reasonCode: 'E' });
  });

  it('a ROUTINE lapse with another offer live leaves the referral OFFERED: no escalation', () => {
    const r = offered(['CC1', 'CC2']);
    r.expireOffer(liveId(r, 'CC1'), timing, at(1 + WINDOW_MIN));
    expect(r.state).toBe('OFFERED');
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['CC2']);
    expect(r.pullEvents().map((e) => e.type)).toEqual(['OfferExpired']);
  });

  it('an EMERGENCY downward lapse cascades to the next candidate (only EMERGENCY upward escalates at once)', () => {
    const r = offered(['CC1', 'CC2'], 'CASCADE', { urgency: 'EMERGENCY' });
    r.expireOffer(liveId(r, 'CC1'), timing, at(1 + WINDOW_MIN));
    expect(r.state).toBe('OFFERED');
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['CC2']);
    expect(r.pullEvents().map((e) => e.type)).not.toContain('ReferralEscalated');
  });

  it('an EMERGENCY upward lapse escalates at once: the reason is the SLA, the other offers are withdrawn for the escalation', () => {
    const r = Referral.draft(
      input({ originInstitutionId: 'CARE', originKind: 'CARE_HOME', requestedKind: 'HOSPITAL', urgency: 'EMERGENCY', services: ['ACUTE'], fanout: 2 }),
      { ...planner, institutionId: 'CARE', role: 'CARE_HOME_ADMISSIONS' },
      T0,
    );
    r.submit(planner, at(1), { candidates: [candidate('H1'), candidate('H2'), candidate('H3')], timing });
    r.pullEvents();
    r.expireOffer(liveId(r, 'H1'), timing, at(1 + WINDOW_MIN));
    expect(r.state).toBe('ESCALATED');
    expect(r.props.stateReason).toMatch(/EMERGENCY/);
    expect(r.props.offers.map((o) => [o.targetInstitutionId, o.state])).toEqual([
      ['H1', 'EXPIRED'],
      ['H2', 'WITHDRAWN'],
    ]);
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['OfferExpired', 'OfferWithdrawn', 'ReferralEscalated']);
    expect(events[1].reason).toMatch(/escalated/);
    expect(events[2].payload).toEqual({
      ...facts('ESCALATED', {
        originInstitutionId: 'CARE',
        originKind: 'CARE_HOME',
        requestedKind: 'HOSPITAL',
        direction: 'UPWARD',
        urgency: 'EMERGENCY',
        services: ['ACUTE'],
      }),
      slaBreach: true,
      expired: 1,
    });
    expect(events[2].reason).toBe(r.props.stateReason);
  });
});

describe('revokeAcceptance', () => {
  it('revokes the accepted offer, not an earlier declined one, and says who gave the bed back and why', () => {
    const r = offered(['CC1', 'CC2'], 'CASCADE');
    r.declineOffer(liveId(r, 'CC1'), { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    const id = liveId(r, 'CC2');
    r.acceptOffer(id, bed('cc2-bed-1'), staffOf('CC2'), at(10));
    r.pullEvents();
    r.revokeAcceptance(staffOf('CC2'), 'burst pipe on the ward', timing, at(30));
    expect(r.offer(id).state).toBe('REVOKED');
    expect(r.props.offers[0].state).toBe('DECLINED');
    const e = only(r.pullEvents(), 'OfferRevoked');
    expect(e.payload).toEqual({ ...facts('ACCEPTED'), offerId: id, targetInstitutionId: 'CC2', revokedBy: 'u-CC2' });
    expect(e.reason).toBe('burst pipe on the ward');
    expect(r.state).toBe('ESCALATED');
  });

  it('an ACCEPTED referral with no accepted offer (inconsistent load) refuses, saying there is nothing to revoke', () => {
    const r = Referral.rehydrate({ ...accepted().props, offers: [] }, 3);
    const e = caught(() => r.revokeAcceptance(staffOf('CC1'), 'x', timing, at(30)));
    expect(e.code).toBe('INVALID_TRANSITION');
    expect(e.message).toMatch(/no accepted offer/);
    expect(r.heldReservation?.state).toBe('HELD');
  });
});

describe('expireReservation', () => {
  it('a timer for a hold that is not the live one is refused, naming the reservation', () => {
    const r = accepted();
    const e = caught(() => r.expireReservation('res-other', timing, at(601)));
    expect(e.code).toBe('INVALID_TRANSITION');
    expect(e.details).toEqual({ machine: 'Reservation', command: 'Expire', id: 'res-other' });
    expect(e.message).toMatch(/res-other/);
    expect(r.heldReservation).toMatchObject({ id: 'res-1', state: 'HELD' });
    expect(r.state).toBe('ACCEPTED');
  });

  it('the hold lasts until its end by the reference clock, and ends exactly then', () => {
    const r = accepted();
    const early = notYet(() => r.expireReservation('res-1', timing, at(700), at(599)));
    expect(early.what).toBe('reservation res-1');
    expect(early.dueAt).toEqual(at(600));
    expect(r.heldReservation?.state).toBe('HELD');

    r.expireReservation('res-1', timing, at(600), at(600));
    expect(r.props.reservations[0]).toMatchObject({ state: 'EXPIRED', endedAt: at(600) });
    expect(r.props.offers[0].state).toBe('REVOKED');
    expect(r.state).toBe('ESCALATED');
    const e = only(r.pullEvents(), 'ReservationExpired');
    expect(e.reason).toMatch(/hold/);
    expect(e.payload).toMatchObject({ reservationId: 'res-1', institutionId: 'CC1', bedId: 'cc1-bed-3' });
  });
});

describe('confirmAdmission', () => {
  const where = { institutionId: 'CC1', bedId: 'cc1-bed-3', programmeId: null, kind: 'COMMUNITY' };

  it('PatientAdmitted, PlacementConfirmed and ReferralCompleted name where the patient is, who admitted, and the family doctor told', () => {
    const r = accepted();
    r.startTransfer(planner, at(60));
    r.pullEvents();
    const res = r.confirmAdmission(staffOf('CC1'), at(120), 'FD-CENTRE');
    expect(res).toMatchObject({ id: 'res-1', state: 'CONSUMED', endedAt: at(120) });
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['PatientAdmitted', 'PlacementConfirmed', 'ReferralCompleted']);
    expect(events[0].payload).toEqual({
      ...facts('COMPLETED'),
      ...where,
      reservationId: 'res-1',
      admittedBy: 'u-CC1',
      familyDoctorInstitutionId: 'FD-CENTRE',
      involved: ['FD-CENTRE'],
    });
    expect(events[1].payload).toEqual({ ...facts('COMPLETED'), ...where, confirmedBy: 'u-CC1' });
    expect(events[2].payload).toEqual({ ...facts('COMPLETED'), ...where });
  });

  it('an upward admission is a hospital admission, not a placement: no PlacementConfirmed', () => {
    const r = Referral.draft(
      input({ originInstitutionId: 'CARE', originKind: 'CARE_HOME', requestedKind: 'HOSPITAL', services: ['ACUTE'] }),
      { ...planner, institutionId: 'CARE' },
      T0,
    );
    r.submit(planner, at(1), { candidates: [candidate('H1')], timing });
    r.acceptOffer(liveId(r, 'H1'), bed('h1-bed-1'), staffOf('H1'), at(5));
    r.startTransfer(planner, at(10));
    r.pullEvents();
    r.confirmAdmission(staffOf('H1'), at(20));
    expect(r.pullEvents().map((e) => e.type)).toEqual(['PatientAdmitted', 'ReferralCompleted']);
  });

  it('in transfer with no hold to admit into (inconsistent load): INVALID_TRANSITION naming the referral', () => {
    const r = Referral.rehydrate({ ...accepted().props, state: 'IN_TRANSFER', reservations: [] }, 3);
    const e = caught(() => r.confirmAdmission(staffOf('CC1'), at(120)));
    expect(e.code).toBe('INVALID_TRANSITION');
    expect(e.message).toMatch(/ref-p/);
    expect(r.state).toBe('IN_TRANSFER');
  });

  it('a transport no-show still open at admission is resolved by the admission', () => {
    const r = accepted();
    r.arrangeTransport({ mode: 'AMBULANCE', pickupAt: at(30), expectedArrivalAt: at(60), pickupWindowMs: 600_000, escort: [] }, planner, at(20));
    r.flagTransportNoShow(at(40), at(41));
    const loaded = Referral.rehydrate({ ...r.props, state: 'IN_TRANSFER' }, 5);
    loaded.confirmAdmission(staffOf('CC1'), at(120));
    expect(loaded.transport).toMatchObject({ status: 'ARRIVED', closedAt: at(120) });
    expect(only(loaded.pullEvents(), 'TransportResolved').payload).toMatchObject({ status: 'ARRIVED', by: 'ConfirmAdmission' });
  });
});

describe('escalate', () => {
  it('withdraws the live offers for the escalation, keeps the reason, and counts declined and expired offers apart', () => {
    const r = offered(['CC1', 'CC2', 'CC3', 'CC4']);
    r.declineOffer(liveId(r, 'CC1'), { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    r.expireOffer(liveId(r, 'CC2'), timing, at(1 + WINDOW_MIN));
    r.expireOffer(liveId(r, 'CC3'), timing, at(1 + WINDOW_MIN));
    r.pullEvents();
    r.escalate('the family asks the district to decide', at(200));
    expect(r.state).toBe('ESCALATED');
    expect(r.props.stateReason).toBe('the family asks the district to decide');
    expect(r.props.offers.map((o) => o.state)).toEqual(['DECLINED', 'EXPIRED', 'EXPIRED', 'WITHDRAWN']);
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['OfferWithdrawn', 'ReferralEscalated']);
    expect(events[0].reason).toMatch(/escalated/);
    expect(events[1].payload).toEqual({ ...facts('ESCALATED'), declined: 1, expired: 2 });
    expect(events[1].reason).toBe('the family asks the district to decide');
  });
});

describe('reroute', () => {
  const escalatedEarly = () => {
    const r = offered(['CC1', 'CC2', 'CC3'], 'CASCADE');
    r.escalate('coordinator takes over', at(5));
    r.pullEvents();
    return r;
  };

  it('needs at least one candidate', () => {
    const r = escalatedEarly();
    const e = caught(() => r.reroute(coordinator, { candidates: [], reason: 'x' }, timing, at(10)));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/at least one candidate/);
    expect(r.state).toBe('ESCALATED');
    expect(r.peekEvents()).toEqual([]);
  });

  it('the coordinator’s candidates replace those matching had left untried', () => {
    const r = escalatedEarly();
    r.reroute(coordinator, { candidates: [candidate('CC7')], reason: 'CC7 opened a rehab bed' }, timing, at(10));
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['CC7']);
    r.declineOffer(liveId(r, 'CC7'), { reason: 'STAFFING', declinedBy: 'PROVIDER' }, staffOf('CC7'), timing, at(20));
    expect(r.state).toBe('ESCALATED');
    expect(r.props.offers.map((o) => o.targetInstitutionId)).toEqual(['CC1', 'CC7']);
  });

  it('ReferralRerouted names who rerouted, the strategy now in force, the new candidates and why', () => {
    const r = escalatedEarly();
    r.reroute(coordinator, { candidates: [candidate('CC7'), candidate('CC8')], strategy: 'BROADCAST', reason: 'two beds opened' }, timing, at(10));
    expect(r.state).toBe('OFFERED');
    expect(r.props.stateReason).toBe('two beds opened');
    expect(r.liveOffers.map((o) => o.targetInstitutionId)).toEqual(['CC7', 'CC8']);
    const e = only(r.pullEvents(), 'ReferralRerouted');
    expect(e.payload).toEqual({ ...facts('OFFERED'), reroutedBy: 'u-dc', strategy: 'BROADCAST', candidates: ['CC7', 'CC8'] });
    expect(e.reason).toBe('two beds opened');
  });
});

describe('close', () => {
  it('REJECTED with the coordinator’s reason; those still involved are told', () => {
    const r = offered(['CC1'], 'CASCADE');
    r.declineOffer(liveId(r, 'CC1'), { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    r.pullEvents();
    r.close(coordinator, 'no rehab bed in the district this week', at(30));
    expect(r.state).toBe('REJECTED');
    const [e] = r.pullEvents();
    expect(e.type).toBe('ReferralRejected');
    // CC1's rights ended with its declined offer (DOMAIN.md, roles)
    expect(e.payload).toEqual({ ...facts('REJECTED'), closedBy: 'u-dc', involved: ['HOSP'] });
    expect(e.reason).toBe('no rehab bed in the district this week');
  });
});

describe('reassess', () => {
  it('a new care grade is carried by the referral and recorded from → to', () => {
    const r = offered(['CC1']);
    r.reassess(5, at(40));
    expect(r.props.careLevel).toBe(5);
    expect(r.props.updatedAt).toEqual(at(40));
    const [e] = r.pullEvents();
    expect(e.type).toBe('ReferralReassessed');
    expect(e.payload).toEqual({ ...facts('OFFERED', { careLevel: 5 }), from: 3, to: 5 });
  });

  it('the same grade again changes nothing', () => {
    const r = offered(['CC1']);
    const before = r.props.updatedAt;
    r.reassess(3, at(40));
    expect(r.props.updatedAt).toEqual(before);
    expect(r.peekEvents()).toEqual([]);
  });

  it('a finished referral keeps the grade it had', () => {
    const r = offered(['CC1']);
    r.cancel(planner, 'went home', at(10));
    r.pullEvents();
    r.reassess(5, at(40));
    expect(r.props.careLevel).toBe(3);
    expect(r.props.updatedAt).toEqual(at(10));
    expect(r.peekEvents()).toEqual([]);
  });
});

describe('declineOffer and escalate, more paths', () => {
  it('the patient may decline for themselves with PATIENT_OR_FAMILY_DECLINED', () => {
    const r = offered(['CC1', 'CC2']);
    const id = liveId(r, 'CC1');
    r.declineOffer(id, { reason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PATIENT' }, staffOf('CC1'), timing, at(5));
    expect(r.offer(id)).toMatchObject({ state: 'DECLINED', declineReason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PATIENT' });
  });

  it('the escalation counts each kind of ended offer: one declined, three expired, the live one withdrawn', () => {
    const r = offered(['CC1', 'CC2', 'CC3', 'CC4', 'CC5']);
    r.declineOffer(liveId(r, 'CC1'), { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, staffOf('CC1'), timing, at(5));
    for (const cc of ['CC2', 'CC3', 'CC4']) r.expireOffer(liveId(r, cc), timing, at(1 + WINDOW_MIN));
    r.pullEvents();
    r.escalate('nobody answers in time', at(200));
    expect(r.props.offers.map((o) => o.state)).toEqual(['DECLINED', 'EXPIRED', 'EXPIRED', 'EXPIRED', 'WITHDRAWN']);
    expect(only(r.pullEvents(), 'ReferralEscalated').payload).toMatchObject({ declined: 1, expired: 3 });
  });
});
