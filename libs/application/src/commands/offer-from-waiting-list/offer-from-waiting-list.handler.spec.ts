import { Bed, Referral } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { OfferFromWaitingListCommand } from './offer-from-waiting-list.command';
import { OfferFromWaitingListHandler } from './offer-from-waiting-list.handler';

const timing = { deadlineFor: (now: Date) => new Date(now.getTime() + 3_600_000) };
/** cc1 had no bed: the referral waits on its list (escalated, no candidate left). */
const waiting = (w: FakeUnitOfWork) => {
  const r = w.all.get('ref-1') as Referral;
  r.waitlist('off-1', {}, ACTORS.target, timing, T0);
  r.pullEvents();
};
const cancelled = (w: FakeUnitOfWork) => {
  waiting(w);
  (w.all.get('ref-1') as Referral).cancel(ACTORS.origin, 'family took her home', T0);
};
const payload = { bedId: 'bed-1' };
describeHandler(OfferFromWaitingListCommand, OfferFromWaitingListHandler, [
  {
    name: 'the freed bed goes to the first on the list (an escalated referral goes back out)',
    stage: 'OFFERED',
    given: waiting,
    actor: ACTORS.system,
    payload,
    events: ['OfferExtended', 'PlacementRequested', 'WaitingListOffered'],
    result: { offered: true, referralId: 'ref-1', state: 'OFFERED' },
  },
  { name: 'the coordinator of the bed confirms by hand', stage: 'OFFERED', given: waiting, actor: ACTORS.target, payload, result: { offered: true } },
  { name: 'another institution may not dispatch its bed', stage: 'OFFERED', given: waiting, actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'a cancelled referral is skipped', stage: 'OFFERED', given: cancelled, actor: ACTORS.system, payload, result: { offered: false } },
  { name: 'nobody waiting', stage: 'OFFERED', actor: ACTORS.system, payload, result: { offered: false } },
]);

const bed1 = (w: FakeUnitOfWork) => w.all.get('bed-1') as Bed;
/** bed-1 stored with other props (a status, a hold), as the database would load it. */
const bedAs = (over: Partial<Bed['props']>) => (w: FakeUnitOfWork) => {
  waiting(w);
  w.add(Bed.rehydrate({ ...bed1(w).props, ...over }, 1));
};
describeHandler(OfferFromWaitingListCommand, OfferFromWaitingListHandler, [
  {
    name: 'the offer answered is the one the referral now has, for this bed',
    stage: 'OFFERED',
    given: waiting,
    actor: ACTORS.system,
    payload,
    after: (w, result) => {
      const r = w.all.get('ref-1') as Referral;
      expect(result).toEqual({ bedId: 'bed-1', offered: true, referralId: 'ref-1', offerId: expect.any(String), state: 'OFFERED' });
      expect(r.offer(result.offerId as string)).toMatchObject({ targetInstitutionId: 'cc1', targetBedId: 'bed-1', state: 'PENDING' });
    },
  },
  {
    name: 'a bed still being cleaned (H) is offered',
    stage: 'OFFERED',
    given: bedAs({ status: 'H' }),
    actor: ACTORS.system,
    payload,
    result: { offered: true },
  },
  {
    name: 'a closed bed is not offered',
    stage: 'OFFERED',
    given: bedAs({ status: 'C' }),
    actor: ACTORS.system,
    payload,
    events: [],
    result: { bedId: 'bed-1', offered: false },
  },
  {
    name: 'a bed a reservation holds is not offered',
    stage: 'OFFERED',
    given: bedAs({ liveReservationId: 'res-x' }),
    actor: ACTORS.system,
    payload,
    events: [],
    result: { offered: false },
  },
  {
    name: 'a bed held for a resident’s return is not offered',
    stage: 'OFFERED',
    given: bedAs({ returnHold: { patientId: 'pat-9', until: new Date(T0.getTime() + 86_400_000) } }),
    actor: ACTORS.system,
    payload,
    events: [],
    result: { offered: false },
  },
  {
    name: 'reserve capacity the district has not opened is not offered',
    stage: 'OFFERED',
    given: bedAs({ reserve: true, reserveOpen: false }),
    actor: ACTORS.system,
    payload,
    events: [],
    result: { offered: false },
  },
  {
    name: 'opened reserve capacity is offered',
    stage: 'OFFERED',
    given: bedAs({ reserve: true, reserveOpen: true }),
    actor: ACTORS.system,
    payload,
    result: { offered: true },
  },
  {
    name: 'a bed already offered from the list is not offered twice',
    stage: 'OFFERED',
    given: (w) => {
      waiting(w);
      const r = w.all.get('ref-1') as Referral;
      r.offerFromWaitingList('bed-1', ACTORS.system, timing, T0);
      r.pullEvents();
    },
    actor: ACTORS.system,
    payload,
    events: [],
    result: { offered: false },
  },
  {
    name: 'a referral read from the list that is no longer waiting there is skipped (re-checked under its lock)',
    stage: 'OFFERED',
    given: (w) => {
      // the list as read a moment before ref-1's offer was answered otherwise: ref-1 waits on no list now
      w.takeWaitingList = async () => ({ referralIds: ['ref-1'], bedAlreadyOffered: false });
    },
    actor: ACTORS.system,
    payload,
    events: [],
    result: { offered: false },
  },
  {
    name: 'a bed of another kind does not suit the referral',
    stage: 'OFFERED',
    given: (w) => {
      waiting(w);
      addBed(w, 'bed-h', 'cc1', 'HOSPITAL');
    },
    actor: ACTORS.system,
    payload: { bedId: 'bed-h' },
    events: [],
    result: { bedId: 'bed-h', offered: false },
  },
  {
    name: 'a bed without a service the referral needs does not suit it',
    stage: 'OFFERED',
    given: (w) => {
      waiting(w);
      const r = w.all.get('ref-1') as Referral;
      w.add(Referral.rehydrate({ ...r.props, services: ['REHAB'] }, 1));
    },
    actor: ACTORS.system,
    payload,
    events: [],
    result: { offered: false },
  },
]);
