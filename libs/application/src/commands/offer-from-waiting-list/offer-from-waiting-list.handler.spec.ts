import { Referral } from '@bedlink/domain';
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
