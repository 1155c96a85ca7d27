import { Actor } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { DomainEvent } from '../shared/events';
import { DraftReferralInput, OfferTiming, Referral, ReferralDocument, ReferralProps } from './referral';

/**
 * What surrounds a referral (DOMAIN.md, "Around a referral"): preferences, transport and its
 * no-show, waiting lists, documents and the message threads, plus the internals every command
 * shares (offers going out, ending, escalating). Each case states the facts a consumer relies on:
 * error codes with their details, event types with their payloads, states, entries and deadlines.
 */
const T0 = new Date('2026-11-23T08:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const HOUR = 3_600_000;
/** Every offer window is one hour. */
const timing: OfferTiming = { deadlineFor: (now) => new Date(now.getTime() + HOUR) };
const planner: Actor = { userId: 'u-planner', role: 'DISCHARGE_PLANNER', institutionId: 'hosp', districtId: 'd1' };
const staff = (institutionId: string): Actor => ({ userId: `u-${institutionId}`, role: 'CARE_HOME_ADMISSIONS', institutionId, districtId: 'd1' });
const home = staff('home');
const coordinator: Actor = { userId: 'u-dc', role: 'DISTRICT_COORDINATOR', institutionId: null, districtId: 'd1' };
const cand = (institutionId: string, bedId: string | null = null) => ({ institutionId, bedId, programmeId: null, score: 1 });

/** A downward referral, hospital → care home, drafted at T0. */
function drafted(over: Partial<DraftReferralInput> = {}): Referral {
  return Referral.draft(
    {
      id: 'r1',
      patientId: 'pat-1',
      districtId: 'd1',
      originInstitutionId: 'hosp',
      originBedId: 'hb-1',
      originKind: 'HOSPITAL',
      requestedKind: 'CARE_HOME',
      services: [],
      urgency: 'ROUTINE',
      strategy: 'BROADCAST',
      clinicalSummary: 'hip fracture, mobilising with a frame',
      careLevel: 3,
      consent: true,
      ...over,
    },
    planner,
    T0,
  );
}
/** Submitted without matching and offered by hand to each target at T0 (offer ids o-<target>); setup events dropped. */
function offeredTo(targets: string[], over: Partial<DraftReferralInput> = {}): Referral {
  const r = drafted(over);
  r.submit(planner, T0);
  for (const t of targets) r.extendOffer({ offerId: `o-${t}`, targetInstitutionId: t }, timing, T0);
  r.pullEvents();
  return r;
}
/** Accepted by `home` into bed b1 at minute 1, hold until minute 600. */
function accepted(): Referral {
  const r = offeredTo(['home']);
  r.acceptOffer('o-home', { bedId: 'b1', reservationId: 'res-1', programmeId: null, holdUntil: min(600) }, home, min(1));
  r.pullEvents();
  return r;
}
/** Accepted and booked: pickup at minute 30, window one hour (ends minute 90), arrival minute 60. */
function booked(): Referral {
  const r = accepted();
  r.arrangeTransport({ mode: 'AMBULANCE', pickupAt: min(30), expectedArrivalAt: min(60), pickupWindowMs: HOUR, escort: ['NURSE'] }, planner, min(2));
  r.pullEvents();
  return r;
}
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { code: e.code, message: e.message, details: e.details };
  }
  return null;
};
const only = (events: DomainEvent[], type: string): DomainEvent => {
  const found = events.filter((e) => e.type === type);
  expect(found).toHaveLength(1);
  return found[0];
};
const doc = (id: string): ReferralDocument => ({
  id,
  filename: 'discharge.pdf',
  mediaType: 'application/pdf',
  size: 2048,
  sha256: 'cd'.repeat(32),
  storage: 'postgres',
  blobKey: `blob-${id}`,
  description: null,
  uploadedBy: 'u-planner',
  uploadedAt: T0,
});

describe('preferences', () => {
  it('a referral that is over keeps the preferences it had: a new choice is refused', () => {
    const r = offeredTo(['home']);
    r.cancel(planner, 'went home', min(1));
    r.pullEvents();
    expect(refusal(() => r.recordPreferences({ ranked: ['a'], excluded: [], expressedBy: 'FAMILY' }, planner, min(2)))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'referral r1 is CANCELLED: its preferences are history',
      details: { machine: 'Referral', state: 'CANCELLED', command: 'RecordPreferences', id: 'r1' },
    });
    expect(r.preferences).toBeNull();
    expect(r.pullEvents()).toEqual([]);
  });

  it('recorded preferences are told with who recorded them, but never where the family lives', () => {
    const r = offeredTo(['home']);
    r.recordPreferences({ ranked: ['a', 'b'], excluded: ['x'], near: { of: 'FAMILY', lat: 31.2, lng: 121.5 }, expressedBy: 'PATIENT' }, planner, min(3));
    const e = only(r.pullEvents(), 'PreferencesRecorded');
    expect(e.occurredAt).toEqual(min(3));
    expect(e.payload).toEqual(
      expect.objectContaining({
        referralId: 'r1',
        state: 'OFFERED',
        recordedBy: 'u-planner',
        preferences: { ranked: ['a', 'b'], excluded: ['x'], near: 'FAMILY', expressedBy: 'PATIENT' },
      }),
    );
    expect(JSON.stringify(e.payload)).not.toContain('121.5');
    expect(r.preferences).toMatchObject({ ranked: ['a', 'b'], excluded: ['x'], recordedAt: min(3) });
    expect(r.props.updatedAt).toEqual(min(3));
  });
});

describe('transport', () => {
  it('is booked only for an ACCEPTED referral', () => {
    const r = offeredTo(['home']);
    expect(
      refusal(() => r.arrangeTransport({ mode: 'OWN', pickupAt: min(30), expectedArrivalAt: min(60), pickupWindowMs: HOUR, escort: [] }, planner, min(2))),
    ).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'transport is booked for an ACCEPTED referral; r1 is OFFERED',
      details: { machine: 'Referral', state: 'OFFERED', command: 'ArrangeTransport', id: 'r1' },
    });
    expect(r.transport).toBeNull();
  });

  it('the patient cannot arrive before being picked up; arriving as picked up is fine', () => {
    const r = accepted();
    expect(
      refusal(() => r.arrangeTransport({ mode: 'OWN', pickupAt: min(30), expectedArrivalAt: min(29), pickupWindowMs: HOUR, escort: [] }, planner, min(2))),
    ).toEqual({ code: 'VALIDATION_FAILED', message: 'the expected arrival cannot be before the pickup', details: undefined });
    expect(r.transport).toBeNull();
    r.arrangeTransport({ mode: 'OWN', pickupAt: min(30), expectedArrivalAt: min(30), pickupWindowMs: HOUR, escort: [] }, planner, min(2));
    expect(r.transport).toMatchObject({ status: 'ARRANGED', expectedArrivalAt: min(30) });
  });

  it('a booking keeps its window, escort and note, and tells the receiver when to expect the patient', () => {
    const r = accepted();
    const t = r.arrangeTransport(
      {
        mode: 'AMBULANCE',
        pickupAt: min(30),
        expectedArrivalAt: min(75),
        pickupWindowMs: 2 * HOUR,
        escort: ['NURSE', 'OXYGEN', 'NURSE'],
        note: '  daughter travels along  ',
      },
      staff('hosp-porter'),
      min(2),
    );
    expect(t).toEqual({
      mode: 'AMBULANCE',
      pickupAt: min(30),
      expectedArrivalAt: min(75),
      pickupWindowEndsAt: min(150),
      escort: ['NURSE', 'OXYGEN'],
      note: 'daughter travels along',
      status: 'ARRANGED',
      arrangedAt: min(2),
      arrangedBy: 'u-hosp-porter',
      noShowAt: null,
      closedAt: null,
    });
    expect(r.transport).toEqual(t);
    expect(r.props.expectedArrival).toEqual(min(75));
    expect(r.props.updatedAt).toEqual(min(2));
    const e = only(r.pullEvents(), 'TransportArranged');
    expect(e.payload).toEqual(
      expect.objectContaining({
        referralId: 'r1',
        state: 'ACCEPTED',
        targetInstitutionId: 'home',
        targetBedId: 'b1',
        mode: 'AMBULANCE',
        pickupAt: min(30).toISOString(),
        expectedArrivalAt: min(75).toISOString(),
        pickupWindowEndsAt: min(150).toISOString(),
        escort: ['NURSE', 'OXYGEN'],
        arrangedBy: 'u-hosp-porter',
      }),
    );
    // a blank note is no note
    r.arrangeTransport({ mode: 'OWN', pickupAt: min(40), expectedArrivalAt: min(50), pickupWindowMs: HOUR, escort: [], note: '   ' }, planner, min(3));
    expect(r.transport?.note).toBeNull();
  });
});

describe('transport no-show', () => {
  const noShowRefusal = (state: string) => ({
    code: 'INVALID_TRANSITION',
    message: 'no transport no-show to flag on referral r1',
    details: { machine: 'Transport', state, command: 'FlagNoShow', id: 'r1' },
  });

  it('nothing booked: nothing to flag', () => {
    const r = accepted();
    expect(refusal(() => r.flagTransportNoShow(min(90), min(91)))).toEqual(noShowRefusal('NONE'));
  });

  it('flagged as soon as the window has ended, once, with the code the district escalates on', () => {
    const r = booked();
    expect(refusal(() => r.flagTransportNoShow(min(90), new Date(min(90).getTime() - 1)))).toEqual(noShowRefusal('ARRANGED'));
    r.flagTransportNoShow(min(90), min(90));
    expect(r.transport).toMatchObject({ status: 'NO_SHOW', noShowAt: min(90), closedAt: null });
    expect(r.props.updatedAt).toEqual(min(90));
    const e = only(r.pullEvents(), 'TransportNoShow');
    expect(e.payload).toEqual(
      expect.objectContaining({
        referralId: 'r1',
        code: 'TRANSPORT_NO_SHOW',
        mode: 'AMBULANCE',
        targetInstitutionId: 'home',
        pickupAt: min(30).toISOString(),
        pickupWindowEndsAt: min(90).toISOString(),
      }),
    );
    expect(e.reason).toBe(`AMBULANCE pickup window ended at ${min(90).toISOString()} and the patient has not left`);
    expect(refusal(() => r.flagTransportNoShow(min(90), min(95)))).toEqual(noShowRefusal('NO_SHOW'));
  });

  it('a booking left ARRANGED on a referral no longer ACCEPTED is not flagged', () => {
    const r = Referral.rehydrate({ ...booked().props, state: 'IN_TRANSFER' } as ReferralProps, 3);
    expect(refusal(() => r.flagTransportNoShow(min(90), min(91)))).toEqual(noShowRefusal('ARRANGED'));
    expect(r.transport?.status).toBe('ARRANGED');
  });
});

describe('waiting lists', () => {
  it('a target without a bed declines NO_CAPACITY and the referral joins its list', () => {
    const r = offeredTo(['home', 'other']);
    const entry = r.waitlist('o-home', { entryId: 'w-1' }, home, timing, min(5));
    expect(entry).toEqual({
      id: 'w-1',
      institutionId: 'home',
      state: 'WAITING',
      addedAt: min(5),
      addedBy: 'u-home',
      offerId: null,
      bedId: null,
      offeredAt: null,
      endedAt: null,
      endReason: null,
    });
    expect(r.waitingEntries).toEqual([entry]);
    expect(r.offer('o-home')).toMatchObject({ state: 'DECLINED', declineReason: 'NO_CAPACITY', declinedBy: 'PROVIDER' });
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['OfferDeclined', 'ReferralWaitlisted']);
    expect(events[0].payload).toMatchObject({
      offerId: 'o-home',
      reason: 'NO_CAPACITY',
      declinedBy: 'PROVIDER',
      text: 'no suitable bed now: placed on the waiting list',
    });
    expect(events[1].payload).toEqual(
      expect.objectContaining({ referralId: 'r1', entryId: 'w-1', institutionId: 'home', offerId: 'o-home', addedBy: 'u-home' }),
    );
    expect(r.state).toBe('OFFERED');
  });

  it('one list at a time: the refusal names the institution only when it is the same list', () => {
    const r = offeredTo(['home', 'other']);
    r.waitlist('o-home', {}, home, timing, min(5));
    expect(refusal(() => r.waitlist('o-other', {}, staff('other'), timing, min(6)))).toEqual({
      code: 'ALREADY_EXISTS',
      message: 'referral r1 already waits on a list',
      details: { referralId: 'r1' },
    });
    const listOffer = r.offerFromWaitingList('bed-7', home, timing, min(20));
    expect(refusal(() => r.waitlist(listOffer.id, {}, home, timing, min(21)))).toEqual({
      code: 'ALREADY_EXISTS',
      message: 'referral r1 already waits on a list',
      details: { referralId: 'r1', institutionId: 'home' },
    });
    expect(r.offer(listOffer.id).state).toBe('PENDING');
  });

  it('a freed bed is for the referral only at its list’s institution, while it waits and no offer from there is open', () => {
    const r = offeredTo(['home', 'other']);
    expect(r.waitingFor('home')).toBeUndefined();
    r.waitlist('o-home', {}, home, timing, min(5));
    expect(r.waitingFor('home')).toBe(r.liveWaitingEntry);
    expect(r.waitingFor('other')).toBeUndefined();
    expect(r.waitingFor('elsewhere')).toBeUndefined();
    // the origin offers to the list's institution by hand meanwhile: that offer is the way in
    r.extendOffer({ offerId: 'o-home-2', targetInstitutionId: 'home' }, timing, min(6));
    expect(r.waitingFor('home')).toBeUndefined();
  });

  it('a referral still SUBMITTED may be offered from its list; one that is ACCEPTED may not', () => {
    const r = offeredTo(['home', 'other']);
    r.waitlist('o-home', {}, home, timing, min(5));
    const waiting = r.props.waiting!;
    const submitted = Referral.rehydrate({ ...r.props, state: 'SUBMITTED', offers: [], waiting } as ReferralProps, 2);
    expect(submitted.waitingFor('home')).toMatchObject({ state: 'WAITING' });
    const acceptedElsewhere = Referral.rehydrate({ ...r.props, state: 'ACCEPTED', offers: [], waiting } as ReferralProps, 2);
    expect(acceptedElsewhere.waitingFor('home')).toBeUndefined();
    // an entry already offered a bed waits for that offer's answer, not for another bed
    const alreadyOffered = Referral.rehydrate({ ...r.props, waiting: [{ ...waiting[0], state: 'OFFERED' }] } as ReferralProps, 2);
    expect(alreadyOffered.waitingFor('home')).toBeUndefined();
  });

  it('offering from the list is refused, with the list entry’s state, when the referral is not waiting', () => {
    const r = offeredTo(['home', 'other']);
    const notWaiting = (state: string) => ({
      code: 'INVALID_TRANSITION',
      message: 'referral r1 is not waiting for a bed',
      details: { machine: 'WaitingList', state, command: 'Offer', id: 'r1' },
    });
    expect(refusal(() => r.offerFromWaitingList('bed-7', home, timing, min(5)))).toEqual(notWaiting('NONE'));
    r.waitlist('o-home', {}, home, timing, min(5));
    r.offerFromWaitingList('bed-7', home, timing, min(20));
    expect(refusal(() => r.offerFromWaitingList('bed-8', home, timing, min(21)))).toEqual(notWaiting('OFFERED'));
  });

  it('a freed bed offered from the list while other offers are open: the entry records the offer and the wait', () => {
    const r = offeredTo(['home', 'other']);
    r.waitlist('o-home', { entryId: 'w-1' }, home, timing, min(5));
    r.pullEvents();
    const o = r.offerFromWaitingList('bed-7', staff('home'), timing, min(60));
    expect(o).toMatchObject({ targetInstitutionId: 'home', targetBedId: 'bed-7', state: 'PENDING', deadlineAt: min(120), rank: 3 });
    expect(r.state).toBe('OFFERED');
    expect(r.props.stateReason).toBeNull();
    expect(r.liveWaitingEntry).toMatchObject({ id: 'w-1', state: 'OFFERED', offerId: o.id, bedId: 'bed-7', offeredAt: min(60) });
    const e = only(r.pullEvents(), 'WaitingListOffered');
    expect(e.payload).toEqual(
      expect.objectContaining({ entryId: 'w-1', institutionId: 'home', bedId: 'bed-7', offerId: o.id, offeredBy: 'u-home', waitedSeconds: 55 * 60 }),
    );
  });

  it('an escalated referral goes back out when a bed frees on its list, and says why', () => {
    const r = offeredTo(['home']);
    r.waitlist('o-home', {}, home, timing, min(5));
    expect(r.state).toBe('ESCALATED');
    r.offerFromWaitingList('bed-7', home, timing, min(60));
    expect(r.state).toBe('OFFERED');
    expect(r.props.stateReason).toBe('a bed freed at a waiting-list institution');
  });

  it('accepting the list offer places the referral from the list', () => {
    const r = offeredTo(['home', 'other']);
    r.waitlist('o-home', { entryId: 'w-1' }, home, timing, min(5));
    const o = r.offerFromWaitingList('bed-7', home, timing, min(60));
    r.pullEvents();
    r.acceptOffer(o.id, { bedId: 'bed-7', programmeId: null, holdUntil: min(600) }, home, min(65));
    expect(r.waitingEntries[0]).toMatchObject({ state: 'PLACED', endedAt: min(65), endReason: 'accepted' });
    const e = only(r.pullEvents(), 'WaitingListLeft');
    expect(e.payload).toEqual(expect.objectContaining({ entryId: 'w-1', institutionId: 'home', outcome: 'PLACED', bedId: 'bed-7', waitedSeconds: 60 * 60 }));
    expect(e.reason).toBe('accepted');
  });

  it('an entry that left the list stays as it left: later accepts and cancels do not rewrite it', () => {
    const r = offeredTo(['home', 'other', 'third']);
    r.waitlist('o-home', {}, home, timing, min(5));
    const o = r.offerFromWaitingList('bed-7', home, timing, min(60));
    r.declineOffer(o.id, { reason: 'STAFFING', declinedBy: 'PROVIDER' }, home, timing, min(61));
    const left = { state: 'REMOVED', endedAt: min(61), endReason: 'list offer DECLINED' };
    expect(r.waitingEntries[0]).toMatchObject(left);
    expect(r.state).toBe('OFFERED');
    r.pullEvents();
    r.acceptOffer('o-other', { bedId: 'b9', programmeId: null, holdUntil: min(600) }, staff('other'), min(70));
    r.cancel(planner, 'family took her home', min(80));
    expect(r.waitingEntries[0]).toMatchObject(left);
    expect(r.pullEvents().filter((e) => e.type === 'WaitingListLeft')).toEqual([]);
  });
});

describe('supersede', () => {
  it('an EMERGENCY upward referral cancels this one: open offers withdrawn, the reason named, those involved told', () => {
    const r = offeredTo(['home', 'other']);
    r.supersede('up-9', min(30));
    const reason = 'superseded by EMERGENCY upward referral up-9';
    expect(r.state).toBe('CANCELLED');
    expect(r.props.stateReason).toBe(reason);
    expect(r.props.offers.map((o) => [o.state, o.answeredAt])).toEqual([
      ['WITHDRAWN', min(30)],
      ['WITHDRAWN', min(30)],
    ]);
    const events = r.pullEvents();
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['OfferWithdrawn', reason],
      ['OfferWithdrawn', reason],
      ['ReferralCancelled', reason],
    ]);
    expect(events[0].payload).toEqual(expect.objectContaining({ referralId: 'r1', offerId: 'o-home', targetInstitutionId: 'home' }));
    expect(events[1].payload).toEqual(expect.objectContaining({ offerId: 'o-other', targetInstitutionId: 'other' }));
    expect(events[2].payload).toEqual(expect.objectContaining({ state: 'CANCELLED', supersededBy: 'up-9', involved: ['hosp', 'home', 'other'] }));
  });

  it('a held bed is given back and the booking cancelled', () => {
    const r = booked();
    r.supersede('up-9', min(30));
    expect(r.props.reservations[0]).toMatchObject({ state: 'RELEASED', endedAt: min(30) });
    expect(r.transport).toMatchObject({ status: 'CANCELLED', closedAt: min(30) });
    const e = only(r.pullEvents(), 'ReservationReleased');
    expect(e.payload).toEqual(expect.objectContaining({ reservationId: 'res-1', institutionId: 'home', bedId: 'b1', programmeId: null, kind: 'CARE_HOME' }));
    expect(e.reason).toBe('superseded by EMERGENCY upward referral up-9');
  });
});

describe('deadline warnings', () => {
  it('tell the receiver which offer, which fraction of its window and when it ends', () => {
    const r = offeredTo(['home']);
    r.warnOffer('o-home', 0.5, min(30));
    const e = only(r.pullEvents(), 'OfferDeadlineWarning');
    expect(e.occurredAt).toEqual(min(30));
    expect(e.payload).toEqual(
      expect.objectContaining({ referralId: 'r1', offerId: 'o-home', targetInstitutionId: 'home', fraction: 0.5, deadlineAt: min(60).toISOString() }),
    );
  });

  it('an answered offer is not warned', () => {
    const r = offeredTo(['home', 'other']);
    r.declineOffer('o-home', { reason: 'STAFFING', declinedBy: 'PROVIDER' }, home, timing, min(5));
    r.pullEvents();
    expect(refusal(() => r.warnOffer('o-home', 0.8, min(48)))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'offer o-home is DECLINED: no warning',
      details: { machine: 'Offer', state: 'DECLINED', command: 'Warn', id: 'o-home' },
    });
    expect(r.pullEvents()).toEqual([]);
  });

  it('nor one of a referral no longer OFFERED: the refusal names the offer', () => {
    const r = accepted();
    expect(refusal(() => r.warnOffer('o-home', 0.8, min(48)))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'Referral o-home in state ACCEPTED does not accept ViewOffer',
      details: { machine: 'Referral', state: 'ACCEPTED', command: 'ViewOffer', id: 'o-home' },
    });
  });

  it('nor a paused one: that timer is stale', () => {
    const r = offeredTo(['home']);
    r.postMessage({ messageId: 'm1', text: 'INR?', kind: 'NEED_MORE_INFO' }, home, { pausesDeadline: true }, min(10));
    expect(refusal(() => r.warnOffer('o-home', 0.5, min(30)))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'offer o-home: its clock is paused, this timer is stale',
      details: { machine: 'Offer', state: 'PENDING', command: 'Warn', id: 'o-home' },
    });
  });
});

describe('EMERGENCY upward SLA', () => {
  it.each([
    ['EMERGENCY', 'CARE_HOME', 'HOSPITAL', true],
    ['EMERGENCY', 'HOSPITAL', 'CARE_HOME', false],
    ['URGENT', 'CARE_HOME', 'HOSPITAL', false],
    ['ROUTINE', 'HOSPITAL', 'COMMUNITY', false],
  ] as const)('%s from %s to %s breaches on its first lapse: %s', (urgency, originKind, requestedKind, breaches) => {
    expect(drafted({ urgency, originKind, requestedKind }).breachesEmergencySla()).toBe(breaches);
  });
});

describe('assertCan', () => {
  it('refuses by state before any other work, naming the referral; allows what the state allows', () => {
    const r = drafted();
    r.pullEvents();
    expect(refusal(() => r.assertCan('AcceptOffer'))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'Referral r1 in state DRAFT does not accept AcceptOffer',
      details: { machine: 'Referral', state: 'DRAFT', command: 'AcceptOffer', id: 'r1' },
    });
    expect(() => r.assertCan('SubmitReferral')).not.toThrow();
    expect(r.state).toBe('DRAFT');
    expect(r.pullEvents()).toEqual([]);
  });
});

describe('documents', () => {
  it('a missing document is named with its referral', () => {
    const r = offeredTo(['home']);
    expect(refusal(() => r.document('d-9'))).toEqual({
      code: 'DOCUMENT_NOT_FOUND',
      message: 'referral r1 has no document d-9',
      details: { referralId: 'r1', documentId: 'd-9' },
    });
  });

  it('attaching tells every live target what was attached, keeping its own copy', () => {
    const r = offeredTo(['home', 'other']);
    const d = doc('d-1');
    r.attachDocument(d, staff('hosp'), min(4));
    d.filename = 'changed.pdf';
    expect(r.document('d-1')).toEqual(doc('d-1'));
    expect(r.props.updatedAt).toEqual(min(4));
    const e = only(r.pullEvents(), 'DocumentAttached');
    expect(e.payload).toEqual(
      expect.objectContaining({
        referralId: 'r1',
        documentId: 'd-1',
        filename: 'discharge.pdf',
        mediaType: 'application/pdf',
        size: 2048,
        sha256: 'cd'.repeat(32),
        uploadedBy: 'u-hosp',
        involved: ['hosp', 'home', 'other'],
      }),
    );
  });

  it('refusals name the state, the limit and the duplicate', () => {
    const r = offeredTo(['home']);
    r.attachDocument(doc('d-1'), planner, T0);
    expect(refusal(() => r.attachDocument(doc('d-1'), planner, T0))).toEqual({
      code: 'ALREADY_EXISTS',
      message: 'document d-1 is already attached',
      details: undefined,
    });
    for (let i = 2; i <= 20; i++) r.attachDocument(doc(`d-${i}`), planner, T0);
    expect(refusal(() => r.attachDocument(doc('d-21'), planner, T0))).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'a referral carries at most 20 documents',
      details: { max: 20 },
    });
    r.cancel(planner, 'went home', min(1));
    expect(refusal(() => r.attachDocument(doc('d-22'), planner, min(2)))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'referral r1 is CANCELLED: no more documents',
      details: { state: 'CANCELLED' },
    });
  });

  it('a download is recorded with who read which bytes, for whichever institution', () => {
    const r = offeredTo(['home']);
    r.attachDocument(doc('d-1'), planner, T0);
    r.pullEvents();
    expect(r.recordDownload('d-1', home, min(5))).toEqual(doc('d-1'));
    expect(r.recordDownload('d-1', coordinator, min(6)).id).toBe('d-1');
    const [byHome, byDistrict] = r.pullEvents();
    expect([byHome.type, byHome.occurredAt, byHome.payload]).toEqual([
      'DocumentDownloaded',
      min(5),
      { referralId: 'r1', districtId: 'd1', documentId: 'd-1', sha256: 'cd'.repeat(32), downloadedBy: 'u-home', institutionId: 'home' },
    ]);
    expect(byDistrict.payload).toMatchObject({ downloadedBy: 'u-dc', institutionId: null });
  });
});

describe('message threads', () => {
  const RUNS = { pausesDeadline: false };
  const PAUSES = { pausesDeadline: true };

  it('the origin writes to a target: trimmed text, addressed, linked to the target’s open offer', () => {
    const r = offeredTo(['home', 'other']);
    const m = r.postMessage({ messageId: 'm1', targetInstitutionId: 'home', text: '  INR 2.3 today  ', kind: 'MESSAGE' }, planner, RUNS, min(3));
    expect(m).toEqual({
      id: 'm1',
      referralId: 'r1',
      targetInstitutionId: 'home',
      fromInstitutionId: 'hosp',
      toInstitutionId: 'home',
      offerId: 'o-home',
      kind: 'MESSAGE',
      text: 'INR 2.3 today',
      sentBy: 'u-planner',
      sentAt: min(3),
    });
    expect(r.props.updatedAt).toEqual(min(3));
    const e = only(r.pullEvents(), 'MessagePosted');
    expect(e.payload).toEqual({
      referralId: 'r1',
      districtId: 'd1',
      originInstitutionId: 'hosp',
      targetInstitutionId: 'home',
      messageId: 'm1',
      offerId: 'o-home',
      kind: 'MESSAGE',
      fromInstitutionId: 'hosp',
      toInstitutionId: 'home',
      text: 'INR 2.3 today',
      sentBy: 'u-planner',
      sentAt: min(3).toISOString(),
    });
  });

  it('a target writes in its own thread, to the origin, whatever thread it names', () => {
    const r = offeredTo(['home', 'other']);
    const m = r.postMessage({ messageId: 'm2', targetInstitutionId: 'other', text: 'weight?', kind: 'MESSAGE', offerId: 'o-home' }, home, RUNS, min(3));
    expect(m).toMatchObject({ targetInstitutionId: 'home', fromInstitutionId: 'home', toInstitutionId: 'hosp', offerId: 'o-home' });
  });

  it('a message needs text', () => {
    const r = offeredTo(['home']);
    const empty = { code: 'VALIDATION_FAILED', message: 'a message needs some text', details: undefined };
    expect(refusal(() => r.postMessage({ messageId: 'm', targetInstitutionId: 'home', text: '', kind: 'MESSAGE' }, planner, RUNS, T0))).toEqual(empty);
    expect(refusal(() => r.postMessage({ messageId: 'm', targetInstitutionId: 'home', text: '  \n ', kind: 'MESSAGE' }, planner, RUNS, T0))).toEqual(empty);
    expect(r.pullEvents()).toEqual([]);
  });

  it('the thread is closed once the referral is over', () => {
    const r = offeredTo(['home']);
    r.cancel(planner, 'went home', min(1));
    expect(refusal(() => r.postMessage({ messageId: 'm', targetInstitutionId: 'home', text: 'x', kind: 'MESSAGE' }, planner, RUNS, min(2)))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'referral r1 is CANCELLED: the thread is closed',
      details: { state: 'CANCELLED' },
    });
  });

  it('the origin must name a live target; nobody writes to the origin’s own thread', () => {
    const r = offeredTo(['home']);
    const post = (actor: Actor, target?: string) =>
      refusal(() => r.postMessage({ messageId: 'm', targetInstitutionId: target, text: 'x', kind: 'MESSAGE' }, actor, RUNS, min(2)));
    const noTarget = { code: 'VALIDATION_FAILED', message: 'the origin names the target institution whose thread this message belongs to', details: undefined };
    expect(post(planner)).toEqual(noTarget);
    // a district coordinator belongs to no institution: no thread of its own
    expect(post(coordinator, 'home')).toEqual(noTarget);
    expect(post(planner, 'hosp')).toEqual({ code: 'FORBIDDEN', message: 'institution hosp has no live offer on this referral', details: undefined });
    expect(post(staff('stranger'))).toEqual({ code: 'FORBIDDEN', message: 'institution stranger has no live offer on this referral', details: undefined });
  });

  it('the thread follows the target’s current offer: a new offer after a decline, the accepted one after acceptance', () => {
    const r = offeredTo(['home', 'other']);
    r.declineOffer('o-home', { reason: 'STAFFING', declinedBy: 'PROVIDER' }, home, timing, min(2));
    r.extendOffer({ offerId: 'o-home-2', targetInstitutionId: 'home' }, timing, min(3));
    expect(r.postMessage({ messageId: 'm', text: 'staff back', kind: 'MESSAGE' }, home, RUNS, min(4)).offerId).toBe('o-home-2');
    r.acceptOffer('o-home-2', { bedId: 'b1', programmeId: null, holdUntil: min(600) }, home, min(5));
    expect(r.postMessage({ messageId: 'm', text: 'arriving at 3', kind: 'MESSAGE', offerId: 'o-home-2' }, home, RUNS, min(6)).offerId).toBe('o-home-2');
    expect(refusal(() => r.postMessage({ messageId: 'm', text: 'x', kind: 'MESSAGE', offerId: 'o-home' }, home, RUNS, min(6)))).toEqual({
      code: 'OFFER_NOT_FOUND',
      message: 'offer o-home is not the live offer of institution home',
      details: { offerId: 'o-home' },
    });
  });

  it('NEED_MORE_INFO answers an open offer only: refusals name the offer’s state and deadline', () => {
    const r = offeredTo(['home']);
    const ask = (when: Date) => refusal(() => r.postMessage({ messageId: 'q', text: 'INR?', kind: 'NEED_MORE_INFO' }, home, PAUSES, when));
    expect(refusal(() => r.postMessage({ messageId: 'q', targetInstitutionId: 'home', text: 'x', kind: 'NEED_MORE_INFO' }, planner, PAUSES, T0))).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'only a receiver answers its offer with NEED_MORE_INFO',
      details: undefined,
    });
    expect(ask(min(60))).toEqual({
      code: 'INVALID_TRANSITION',
      message: `offer o-home ran out at ${min(60).toISOString()}`,
      details: { machine: 'Offer', id: 'o-home' },
    });
    r.acceptOffer('o-home', { bedId: 'b1', programmeId: null, holdUntil: min(600) }, home, min(5));
    expect(ask(min(6))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'only an offer still open can be answered with NEED_MORE_INFO',
      details: { machine: 'Offer', state: 'ACCEPTED' },
    });
  });

  it('pausing and resuming are told with the deadline that was, the time left and the window as first given', () => {
    const r = offeredTo(['home']);
    r.postMessage({ messageId: 'q', text: 'INR?', kind: 'NEED_MORE_INFO' }, home, PAUSES, min(20));
    const paused = only(r.pullEvents(), 'OfferPaused');
    expect(paused.reason).toBe('the receiver needs more information');
    expect(paused.payload).toEqual(
      expect.objectContaining({ offerId: 'o-home', targetInstitutionId: 'home', deadlineWas: min(60).toISOString(), remainingMs: 40 * 60_000 }),
    );
    r.postMessage({ messageId: 'a', targetInstitutionId: 'home', text: '2.3', kind: 'MESSAGE' }, planner, PAUSES, min(50));
    const resumed = only(r.pullEvents(), 'OfferResumed');
    expect(resumed.reason).toBe('the origin answered');
    expect(resumed.payload).toEqual(
      expect.objectContaining({ offerId: 'o-home', targetInstitutionId: 'home', deadlineAt: min(90).toISOString(), windowMs: HOUR, pausedMs: 30 * 60_000 }),
    );
  });
});

describe('read receipts', () => {
  it('the origin reads a target’s thread; the receipt names reader, thread and the last message read', () => {
    const r = offeredTo(['home', 'other']);
    expect(r.markThreadRead({ targetInstitutionId: 'home', upToMessageId: 'm7' }, planner, min(9))).toBe('home');
    const e = only(r.pullEvents(), 'MessagesRead');
    expect(e.payload).toEqual({
      referralId: 'r1',
      districtId: 'd1',
      originInstitutionId: 'hosp',
      targetInstitutionId: 'home',
      readerInstitutionId: 'hosp',
      upToMessageId: 'm7',
      readBy: 'u-planner',
      readAt: min(9).toISOString(),
    });
  });

  it('a target reads its own thread, whatever thread it names', () => {
    const r = offeredTo(['home', 'other']);
    expect(r.markThreadRead({ targetInstitutionId: 'other', upToMessageId: 'm7' }, home, min(9))).toBe('home');
    expect(only(r.pullEvents(), 'MessagesRead').payload).toMatchObject({ targetInstitutionId: 'home', readerInstitutionId: 'home', readBy: 'u-home' });
  });

  it('refused without a thread to read: none named, the origin’s own, or a target whose offer ended', () => {
    const r = offeredTo(['home', 'other']);
    r.declineOffer('o-other', { reason: 'STAFFING', declinedBy: 'PROVIDER' }, staff('other'), timing, min(2));
    r.pullEvents();
    const read = (actor: Actor, target?: string) => refusal(() => r.markThreadRead({ targetInstitutionId: target, upToMessageId: 'm1' }, actor, min(3)));
    const noTarget = { code: 'VALIDATION_FAILED', message: 'the origin names the target institution whose thread it read', details: undefined };
    expect(read(planner)).toEqual(noTarget);
    expect(read(coordinator, 'home')).toEqual(noTarget);
    expect(read(planner, 'hosp')).toEqual({ code: 'FORBIDDEN', message: 'institution hosp has no live offer on this referral', details: undefined });
    expect(read(staff('other'))).toEqual({ code: 'FORBIDDEN', message: 'institution other has no live offer on this referral', details: undefined });
    expect(read(planner, 'other')).toEqual({ code: 'FORBIDDEN', message: 'institution other has no live offer on this referral', details: undefined });
    expect(r.pullEvents()).toEqual([]);
  });
});

describe('transport as the placement moves on', () => {
  it('cancelling the referral cancels an open booking, quietly when it was never a no-show', () => {
    const r = booked();
    r.cancel(planner, 'family took her home', min(20));
    expect(r.transport).toMatchObject({ status: 'CANCELLED', closedAt: min(20) });
    expect(r.pullEvents().map((e) => e.type)).not.toContain('TransportResolved');
  });

  it('a booking cancelled with the hold keeps when it was cancelled when the referral is cancelled later', () => {
    const r = booked();
    r.revokeAcceptance(home, 'bed flooded', timing, min(10));
    expect(r.transport).toMatchObject({ status: 'CANCELLED', closedAt: min(10) });
    r.cancel(planner, 'family took her home', min(20));
    expect(r.transport).toMatchObject({ status: 'CANCELLED', closedAt: min(10) });
  });

  it('a no-show is resolved by whatever ends the booking, naming it', () => {
    const revoked = booked();
    revoked.flagTransportNoShow(min(90), min(91));
    revoked.pullEvents();
    revoked.revokeAcceptance(home, 'bed given to another', timing, min(100));
    expect(only(revoked.pullEvents(), 'TransportResolved').payload).toEqual(
      expect.objectContaining({ referralId: 'r1', code: 'TRANSPORT_NO_SHOW', status: 'CANCELLED', by: 'RevokeAcceptance' }),
    );

    const departed = booked();
    departed.flagTransportNoShow(min(90), min(91));
    departed.pullEvents();
    departed.startTransfer(planner, min(100));
    expect(departed.transport).toMatchObject({ status: 'DEPARTED', closedAt: null });
    expect(only(departed.pullEvents(), 'TransportResolved').payload).toEqual(
      expect.objectContaining({ code: 'TRANSPORT_NO_SHOW', status: 'DEPARTED', by: 'TransferStarted' }),
    );
  });

  it('a departure on time is not a resolution: the booking is DEPARTED, still open, and nothing is resolved', () => {
    const r = booked();
    r.startTransfer(planner, min(35));
    expect(r.transport).toMatchObject({ status: 'DEPARTED', closedAt: null });
    expect(r.pullEvents().map((e) => e.type)).toEqual(['TransferStarted']);
  });

  it('the family doctor is told of the departure only when there is one', () => {
    const withDoctor = accepted();
    withDoctor.startTransfer(planner, min(35), null, 'fd-centre');
    expect(only(withDoctor.pullEvents(), 'TransferStarted').payload).toEqual(
      expect.objectContaining({ originBedId: 'hb-1', targetInstitutionId: 'home', familyDoctorInstitutionId: 'fd-centre', involved: ['fd-centre'] }),
    );
    const without = accepted();
    without.startTransfer(planner, min(35));
    const payload = only(without.pullEvents(), 'TransferStarted').payload;
    expect(payload).not.toHaveProperty('familyDoctorInstitutionId');
    expect(payload).not.toHaveProperty('involved');
  });
});

describe('offers going out', () => {
  it('each offer is ranked in order and told with its target and deadline; a care home also gets the placement request', () => {
    const r = drafted({ expectedArrival: min(240) });
    r.submit(planner, T0);
    r.pullEvents();
    r.extendOffer({ offerId: 'o-a', targetInstitutionId: 'a', targetBedId: 'bed-a' }, timing, min(1));
    r.extendOffer({ offerId: 'o-b', targetInstitutionId: 'b', targetProgrammeId: 'prog-b' }, timing, min(2));
    expect(r.props.offers.map((o) => o.rank)).toEqual([1, 2]);
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['OfferExtended', 'PlacementRequested', 'OfferExtended', 'PlacementRequested']);
    const facts = {
      offerId: 'o-b',
      targetInstitutionId: 'b',
      targetBedId: null,
      targetProgrammeId: 'prog-b',
      deadlineAt: min(62).toISOString(),
      rank: 2,
    };
    expect(events[2].payload).toEqual(expect.objectContaining({ referralId: 'r1', state: 'OFFERED', ...facts }));
    expect(events[3].payload).toEqual(
      expect.objectContaining({ ...facts, clinicalSummary: 'hip fracture, mobilising with a frame', expectedArrival: min(240).toISOString() }),
    );
    expect(events[0].payload).toMatchObject({ targetBedId: 'bed-a', targetProgrammeId: null, rank: 1 });
  });

  it('an upward referral asks the hospital without a placement request', () => {
    const r = drafted({ originKind: 'CARE_HOME', requestedKind: 'HOSPITAL', urgency: 'URGENT' });
    r.submit(planner, T0);
    r.pullEvents();
    r.extendOffer({ targetInstitutionId: 'hospital-2' }, timing, min(1));
    expect(r.pullEvents().map((e) => e.type)).toEqual(['OfferExtended']);
  });

  it('a round skips the origin, an excluded place and an institution already asked, and still fills its fanout', () => {
    const r = drafted({ fanout: 3, preferences: { ranked: [], excluded: ['x'], expressedBy: 'FAMILY' } });
    r.submit(planner, T0, { candidates: [cand('a', 'a1'), cand('hosp'), cand('a', 'a2'), cand('x'), cand('b'), cand('c'), cand('d')], timing });
    expect(r.liveOffers.map((o) => [o.targetInstitutionId, o.targetBedId])).toEqual([
      ['a', 'a1'],
      ['b', null],
      ['c', null],
    ]);
    expect(r.props.candidateCursor).toBe(6);
  });

  it('matching found nobody: escalated with that reason', () => {
    const r = drafted();
    r.submit(planner, T0, { candidates: [], timing });
    expect(r.state).toBe('ESCALATED');
    expect(r.props.stateReason).toBe('no suitable candidate found by matching');
  });

  it('candidates that may not be asked leave nobody to offer: escalated at submit, and again after a reroute', () => {
    const r = drafted({ preferences: { ranked: [], excluded: ['x'], expressedBy: 'FAMILY' } });
    r.submit(planner, T0, { candidates: [cand('hosp'), cand('x')], timing });
    expect(r.state).toBe('ESCALATED');
    expect(r.props.stateReason).toBe('no candidate left to offer');
    expect(r.props.offers).toEqual([]);
    expect(only(r.pullEvents(), 'ReferralEscalated').reason).toBe('no candidate left to offer');

    r.reroute(coordinator, { candidates: [cand('x')], reason: 'try x after all' }, timing, min(10));
    expect(r.state).toBe('ESCALATED');
    expect(r.props.stateReason).toBe('no candidate left to offer');
  });

  it('the last offer ending with no candidate left escalates, counting the declines and the lapses', () => {
    const r = offeredTo(['a', 'b', 'c']);
    r.declineOffer('o-a', { reason: 'STAFFING', declinedBy: 'PROVIDER' }, staff('a'), timing, min(5));
    r.expireOffer('o-b', timing, min(61));
    expect(r.state).toBe('OFFERED');
    r.pullEvents();
    r.expireOffer('o-c', timing, min(61));
    const why = 'every offer was declined or expired and no candidate is left';
    expect(r.state).toBe('ESCALATED');
    expect(r.props.stateReason).toBe(why);
    const e = only(r.pullEvents(), 'ReferralEscalated');
    expect(e.reason).toBe(why);
    expect(e.payload).toEqual(expect.objectContaining({ state: 'ESCALATED', declined: 1, expired: 2 }));
  });

  it('an offer that cannot move is refused naming the offer', () => {
    const r = offeredTo(['home', 'other']);
    r.declineOffer('o-home', { reason: 'STAFFING', declinedBy: 'PROVIDER' }, home, timing, min(2));
    expect(refusal(() => r.declineOffer('o-home', { reason: 'STAFFING', declinedBy: 'PROVIDER' }, home, timing, min(3)))).toEqual({
      code: 'INVALID_TRANSITION',
      message: 'Offer o-home in state DECLINED does not accept Decline',
      details: { machine: 'Offer', state: 'DECLINED', command: 'Decline', id: 'o-home' },
    });
  });
});
