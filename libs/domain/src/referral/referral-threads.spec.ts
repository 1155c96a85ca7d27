import { Actor } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { MAX_DOCUMENTS, OfferTiming, Referral, ReferralDocument } from './referral';

const T0 = new Date('2026-11-23T08:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;
const planner: Actor = { userId: 'u-planner', role: 'DISCHARGE_PLANNER', institutionId: 'hosp' };
const cc1: Actor = { userId: 'u-cc1', role: 'COMMUNITY_COORDINATOR', institutionId: 'cc1' };
const cc2: Actor = { userId: 'u-cc2', role: 'COMMUNITY_COORDINATOR', institutionId: 'cc2' };
const timing: OfferTiming = { deadlineFor: (now) => new Date(now.getTime() + 8 * HOUR) };
const PAUSES = { pausesDeadline: true };
const RUNS = { pausesDeadline: false };

/** Offered to cc1 and cc2 at T0, deadline T0 + 8 h; events of the setup dropped. */
function offered(): { r: Referral; o1: string; o2: string } {
  const r = Referral.draft(
    {
      id: 'ref-1',
      patientId: 'pat-1',
      districtId: 'd1',
      originInstitutionId: 'hosp',
      originBedId: null,
      originKind: 'HOSPITAL',
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      urgency: 'ROUTINE',
      strategy: 'BROADCAST',
      clinicalSummary: 'stroke',
      careLevel: 3,
      consent: true,
    },
    planner,
    T0,
  );
  r.submit(planner, T0);
  const o1 = r.extendOffer({ targetInstitutionId: 'cc1' }, timing, T0).id;
  const o2 = r.extendOffer({ targetInstitutionId: 'cc2' }, timing, T0).id;
  r.pullEvents();
  return { r, o1, o2 };
}
const ask = (r: Referral, when: Date, policy = PAUSES, who = cc1) =>
  r.postMessage({ messageId: `m-${when.getTime()}`, text: 'INR?', kind: 'NEED_MORE_INFO' }, who, policy, when);
const reply = (r: Referral, when: Date, target = 'cc1') =>
  r.postMessage({ messageId: `r-${when.getTime()}`, targetInstitutionId: target, text: '2.3', kind: 'MESSAGE' }, planner, PAUSES, when);
const types = (r: Referral) => r.pullEvents().map((e) => e.type);
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as DomainError).code;
  }
  return null;
};

describe('NEED_MORE_INFO and the offer clock', () => {
  it('pauses by policy: the deadline is cleared and the time left kept', () => {
    const { r, o1 } = offered();
    ask(r, at(3 * HOUR));
    expect(types(r)).toEqual(['MessagePosted', 'OfferPaused']);
    const o = r.offer(o1);
    expect(o.deadlineAt).toBeNull();
    expect(o.remainingMs).toBe(5 * HOUR);
    expect(o.state).toBe('PENDING');
  });

  it('a paused offer refuses its expiry and its warnings, whatever timer fires', () => {
    const { r, o1 } = offered();
    ask(r, at(HOUR));
    expect(refusal(() => r.expireOffer(o1, timing, at(8 * HOUR), at(8 * HOUR).toISOString()))).toBe('INVALID_TRANSITION');
    expect(refusal(() => r.expireOffer(o1, timing, at(8 * HOUR)))).toBe('INVALID_TRANSITION');
    expect(refusal(() => r.warnOffer(o1, 0.5, at(4 * HOUR)))).toBe('INVALID_TRANSITION');
    expect(r.offer(o1).state).toBe('PENDING');
  });

  it('the origin’s reply resumes it with the same time left; the old deadline’s timer is stale, the new one expires it', () => {
    const { r, o1 } = offered();
    ask(r, at(3 * HOUR));
    r.pullEvents();
    reply(r, at(10 * HOUR));
    const events = r.pullEvents();
    expect(events.map((e) => e.type)).toEqual(['MessagePosted', 'OfferResumed']);
    const o = r.offer(o1);
    expect(o.deadlineAt).toEqual(at(15 * HOUR));
    expect(o.pausedAt).toBeNull();
    expect(o.pausedMs).toBe(7 * HOUR);
    // the window as first given: warnings fall at the same fractions of it
    expect(events[1].payload).toMatchObject({ windowMs: 8 * HOUR, deadlineAt: at(15 * HOUR).toISOString() });
    expect(refusal(() => r.expireOffer(o1, timing, at(15 * HOUR), at(8 * HOUR).toISOString()))).toBe('INVALID_TRANSITION');
    expect(refusal(() => r.warnOffer(o1, 0.8, at(13 * HOUR), at(8 * HOUR).toISOString()))).toBe('INVALID_TRANSITION');
    r.warnOffer(o1, 0.8, at(13 * HOUR), at(15 * HOUR).toISOString());
    r.expireOffer(o1, timing, at(15 * HOUR), at(15 * HOUR).toISOString());
    expect(r.offer(o1).state).toBe('EXPIRED');
  });

  it('a second question while paused keeps the first pause; the target’s own messages do not resume', () => {
    const { r, o1 } = offered();
    ask(r, at(HOUR));
    ask(r, at(2 * HOUR));
    r.postMessage({ messageId: 'x', text: 'also the weight', kind: 'MESSAGE' }, cc1, PAUSES, at(2 * HOUR));
    expect(r.offer(o1).remainingMs).toBe(7 * HOUR);
    expect(r.offer(o1).deadlineAt).toBeNull();
    expect(types(r).filter((t) => t !== 'MessagePosted')).toEqual(['OfferPaused']);
  });

  it('a reply in another target’s thread leaves this pause alone', () => {
    const { r, o1 } = offered();
    ask(r, at(HOUR));
    reply(r, at(2 * HOUR), 'cc2');
    expect(r.offer(o1).pausedAt).toEqual(at(HOUR));
  });

  it('without the policy the question is only a message', () => {
    const { r, o1 } = offered();
    ask(r, at(HOUR), RUNS);
    expect(types(r)).toEqual(['MessagePosted']);
    expect(r.offer(o1).deadlineAt).toEqual(at(8 * HOUR));
  });

  it('refuses a question after the deadline, from the origin, or from an institution without a live offer', () => {
    const { r, o2 } = offered();
    expect(refusal(() => ask(r, at(8 * HOUR)))).toBe('INVALID_TRANSITION');
    expect(refusal(() => r.postMessage({ messageId: 'x', targetInstitutionId: 'cc1', text: 'q', kind: 'NEED_MORE_INFO' }, planner, PAUSES, T0))).toBe(
      'VALIDATION_FAILED',
    );
    r.declineOffer(o2, { reason: 'NO_CAPACITY', declinedBy: 'PROVIDER' }, cc2, timing, at(HOUR));
    expect(refusal(() => ask(r, at(2 * HOUR), PAUSES, cc2))).toBe('FORBIDDEN');
    expect(refusal(() => reply(r, at(2 * HOUR), 'cc2'))).toBe('FORBIDDEN');
    expect(refusal(() => r.postMessage({ messageId: 'x', text: 'hi', kind: 'MESSAGE', offerId: o2 }, cc1, PAUSES, T0))).toBe('OFFER_NOT_FOUND');
  });

  it('an accepted offer keeps its thread (no clock to pause)', () => {
    const { r, o1 } = offered();
    r.acceptOffer(o1, { bedId: 'bed-1', programmeId: null, holdUntil: at(48 * HOUR) }, cc1, at(HOUR));
    r.pullEvents();
    reply(r, at(2 * HOUR));
    expect(types(r)).toEqual(['MessagePosted']);
    expect(refusal(() => ask(r, at(2 * HOUR)))).toBe('INVALID_TRANSITION');
  });
});

describe('documents', () => {
  const doc = (id: string): ReferralDocument => ({
    id,
    filename: 'a.pdf',
    mediaType: 'application/pdf',
    size: 10,
    sha256: 'ab'.repeat(32),
    storage: 'postgres',
    blobKey: id,
    description: null,
    uploadedBy: 'u-planner',
    uploadedAt: T0,
  });

  it('attaches once per id, up to the limit, and records each download in the referral’s chain', () => {
    const { r } = offered();
    r.attachDocument(doc('d-1'), planner, T0);
    expect(refusal(() => r.attachDocument(doc('d-1'), planner, T0))).toBe('ALREADY_EXISTS');
    for (let i = 2; i <= MAX_DOCUMENTS; i++) r.attachDocument(doc(`d-${i}`), planner, T0);
    expect(refusal(() => r.attachDocument(doc('d-x'), planner, T0))).toBe('VALIDATION_FAILED');
    r.pullEvents();
    r.recordDownload('d-1', cc1, at(1000));
    expect(r.pullEvents()).toEqual([
      expect.objectContaining({ type: 'DocumentDownloaded', payload: expect.objectContaining({ documentId: 'd-1', institutionId: 'cc1' }) }),
    ]);
    expect(refusal(() => r.recordDownload('nope', cc1, T0))).toBe('DOCUMENT_NOT_FOUND');
  });

  it('no documents once the referral is over', () => {
    const { r } = offered();
    r.cancel(planner, 'patient went home', T0);
    expect(refusal(() => r.attachDocument(doc('d-1'), planner, T0))).toBe('INVALID_TRANSITION');
    expect(refusal(() => r.postMessage({ messageId: 'x', targetInstitutionId: 'cc1', text: 'q', kind: 'MESSAGE' }, planner, PAUSES, T0))).toBe(
      'INVALID_TRANSITION',
    );
  });
});
