import { Actor } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { MAX_EXCLUDED_PREFERENCES, MAX_RANKED_PREFERENCES, normalisePreferences, preferenceFacts } from './around';
import { Referral } from './referral';

const T0 = new Date('2026-11-23T08:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);
const origin: Actor = { userId: 'p', role: 'DISCHARGE_PLANNER', institutionId: 'hosp', districtId: null };
const home: Actor = { userId: 'h', role: 'CARE_HOME_ADMISSIONS', institutionId: 'home', districtId: null };
const timing = { deadlineFor: (now: Date) => new Date(now.getTime() + 3_600_000) };

function offeredTo(...targets: string[]): Referral {
  const r = Referral.draft(
    {
      id: 'r1',
      patientId: 'pat',
      districtId: 'd1',
      originInstitutionId: 'hosp',
      originBedId: null,
      originKind: 'HOSPITAL',
      requestedKind: 'CARE_HOME',
      services: [],
      urgency: 'ROUTINE',
      strategy: 'BROADCAST',
      clinicalSummary: 'x',
      careLevel: 3,
      consent: true,
    },
    origin,
    T0,
  );
  r.submit(origin, T0);
  targets.forEach((t, i) => r.extendOffer({ offerId: `o-${t}`, targetInstitutionId: t }, timing, at(i)));
  r.pullEvents();
  return r;
}

describe('waiting lists on the referral', () => {
  it('one list at a time; the list keeps its place when the referral escalates, and an offer from it brings it back out', () => {
    const r = offeredTo('home', 'other');
    r.waitlist('o-home', {}, home, timing, at(5));
    expect(() => r.waitlist('o-other', {}, { ...home, institutionId: 'other' }, timing, at(6))).toThrow(/already waits on a list/);
    r.declineOffer('o-other', { reason: 'STAFFING', declinedBy: 'PROVIDER' }, home, timing, at(7));
    expect(r.state).toBe('ESCALATED');
    expect(r.waitingFor('home')?.state).toBe('WAITING');
    r.pullEvents();
    r.offerFromWaitingList('bed-1', home, timing, at(60));
    expect(r.state).toBe('OFFERED');
    expect(r.liveWaitingEntry).toMatchObject({ state: 'OFFERED', bedId: 'bed-1' });
    expect(r.pullEvents().map((e) => e.type)).toEqual(['OfferExtended', 'PlacementRequested', 'WaitingListOffered']);
  });

  it('the list offer declined (by the family): the referral leaves the list and the bed is named for the next one', () => {
    const r = offeredTo('home');
    r.waitlist('o-home', {}, home, timing, at(5));
    const o = r.offerFromWaitingList('bed-1', home, timing, at(60));
    r.pullEvents();
    r.declineOffer(o.id, { reason: 'PATIENT_OR_FAMILY_DECLINED', declinedBy: 'PROVIDER' }, origin, timing, at(61));
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['WaitingListLeft', 'OfferDeclined', 'ReferralEscalated']);
    expect(events[0].payload).toMatchObject({ outcome: 'REMOVED', bedId: 'bed-1', waitedSeconds: 56 * 60 });
    // the family's reason is always the patient's decline
    expect(events[1].payload).toMatchObject({ declinedBy: 'PATIENT' });
    expect(r.liveWaitingEntry).toBeUndefined();
  });

  it('accepted elsewhere or cancelled: off every list', () => {
    const a = offeredTo('home', 'other');
    a.waitlist('o-home', {}, home, timing, at(5));
    a.acceptOffer('o-other', { bedId: 'b9', programmeId: null, holdUntil: at(600) }, { ...home, institutionId: 'other' }, at(10));
    expect(a.waitingEntries[0]).toMatchObject({ state: 'REMOVED', endReason: 'placed elsewhere' });

    const c = offeredTo('home', 'other');
    c.waitlist('o-home', {}, home, timing, at(5));
    c.cancel(origin, 'family took her home', at(8));
    expect(c.waitingEntries[0]).toMatchObject({ state: 'REMOVED', endReason: 'referral CANCELLED' });
    expect(() => c.offerFromWaitingList('bed-1', home, timing, at(9))).toThrow(/not waiting/);

    const x = offeredTo('home');
    x.waitlist('o-home', {}, home, timing, at(5));
    x.recordPreferences({ ranked: [], excluded: ['home'], expressedBy: 'FAMILY' }, origin, at(6));
    expect(x.waitingEntries[0]).toMatchObject({ state: 'REMOVED', endReason: 'excluded by the family' });
  });
});

describe('transport on the referral', () => {
  const booked = () => {
    const r = offeredTo('home');
    r.acceptOffer('o-home', { bedId: 'b1', programmeId: null, holdUntil: at(600) }, home, at(1));
    r.arrangeTransport(
      { mode: 'AMBULANCE', pickupAt: at(30), expectedArrivalAt: at(60), pickupWindowMs: 3_600_000, escort: ['NURSE', 'NURSE'] },
      origin,
      at(2),
    );
    r.pullEvents();
    return r;
  };

  it('no no-show before the window ends, nor for a stale window', () => {
    const r = booked();
    expect(() => r.flagTransportNoShow(at(90), at(89))).toThrow(/no transport no-show/);
    expect(() => r.flagTransportNoShow(at(80), at(95))).toThrow(/no transport no-show/);
    expect(r.transport?.escort).toEqual(['NURSE']);
  });

  it('a no-show resolved by the departure, then the arrival', () => {
    const r = booked();
    r.flagTransportNoShow(at(90), at(91));
    expect(r.pullEvents().map((e) => [e.type, e.payload.code])).toEqual([['TransportNoShow', 'TRANSPORT_NO_SHOW']]);
    r.startTransfer(origin, at(120));
    expect(r.transport?.status).toBe('DEPARTED');
    expect(r.pullEvents().map((e) => e.type)).toContain('TransportResolved');
    r.confirmAdmission(home, at(150));
    expect(r.transport).toMatchObject({ status: 'ARRIVED', closedAt: at(150) });
  });

  it('the hold given back cancels the booking', () => {
    const r = booked();
    r.revokeAcceptance(home, 'bed lost', timing, at(10));
    expect(r.transport?.status).toBe('CANCELLED');
  });
});

describe('preferences as given', () => {
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  const norm = (input: Partial<Parameters<typeof normalisePreferences>[0]>) =>
    normalisePreferences({ ranked: [], excluded: [], expressedBy: 'FAMILY', ...input }, 'hosp', T0);
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      const d = e as DomainError;
      return { code: d.code, message: d.message, details: d.details };
    }
    return null;
  };

  it('keeps the choice, each place once, and rounds the near point to about a kilometre', () => {
    const p = norm({ ranked: ['a', 'b', 'a'], excluded: ['x', 'x'], near: { of: 'HOME', lat: 31.23456, lng: 121.4789 }, note: '  ground floor  ' });
    expect(p).toEqual({
      ranked: ['a', 'b'],
      excluded: ['x'],
      near: { of: 'HOME', lat: 31.23, lng: 121.48 },
      expressedBy: 'FAMILY',
      note: 'ground floor',
      recordedAt: T0,
    });
    expect(norm({ note: '   ' })).toMatchObject({ note: null, near: null });
  });

  it(`at most ${MAX_RANKED_PREFERENCES} ranked and ${MAX_EXCLUDED_PREFERENCES} excluded places, counted after duplicates go`, () => {
    expect(norm({ ranked: ids('r', MAX_RANKED_PREFERENCES) }).ranked).toHaveLength(MAX_RANKED_PREFERENCES);
    expect(norm({ ranked: [...ids('r', MAX_RANKED_PREFERENCES), 'r1'] }).ranked).toHaveLength(MAX_RANKED_PREFERENCES);
    expect(refusal(() => norm({ ranked: ids('r', MAX_RANKED_PREFERENCES + 1) }))).toEqual({
      code: 'VALIDATION_FAILED',
      message: `at most ${MAX_RANKED_PREFERENCES} ranked places`,
      details: undefined,
    });
    expect(norm({ excluded: ids('x', MAX_EXCLUDED_PREFERENCES) }).excluded).toHaveLength(MAX_EXCLUDED_PREFERENCES);
    expect(refusal(() => norm({ excluded: ids('x', MAX_EXCLUDED_PREFERENCES + 1) }))).toEqual({
      code: 'VALIDATION_FAILED',
      message: `at most ${MAX_EXCLUDED_PREFERENCES} excluded places`,
      details: undefined,
    });
  });

  it('a place both wanted and refused is refused, naming the places', () => {
    expect(refusal(() => norm({ ranked: ['a', 'b', 'c'], excluded: ['c', 'a', 'z'] }))).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'a place cannot be both ranked and excluded',
      details: { institutionIds: ['a', 'c'] },
    });
  });

  it('the referring institution is in neither list', () => {
    const origin = { code: 'VALIDATION_FAILED', message: 'the referring institution is not a place to choose', details: undefined };
    expect(refusal(() => norm({ ranked: ['a', 'hosp'] }))).toEqual(origin);
    expect(refusal(() => norm({ excluded: ['hosp'] }))).toEqual(origin);
  });

  it('events and other institutions see who is wanted and refused and near whom, never where', () => {
    expect(preferenceFacts(null)).toBeNull();
    expect(preferenceFacts(norm({ ranked: ['a'], excluded: ['x'], near: { of: 'FAMILY', lat: 1, lng: 2 } }))).toEqual({
      ranked: ['a'],
      excluded: ['x'],
      near: 'FAMILY',
      expressedBy: 'FAMILY',
    });
    expect(preferenceFacts(norm({ ranked: ['a'] }))).toEqual({ ranked: ['a'], excluded: [], near: null, expressedBy: 'FAMILY' });
  });
});
