import { DeadlineNotReached } from '@bedlink/domain';
import { ACTORS, ctxFor, fakePolicy, world } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ExpireOfferCommand } from './expire-offer.command';
import { ExpireOfferHandler } from './expire-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };
describeHandler(ExpireOfferCommand, ExpireOfferHandler, [
  { name: 'the deadline timer expires the offer', stage: 'OFFERED', actor: ACTORS.system, payload, events: ['OfferExpired', 'ReferralEscalated'] },
  { name: 'a person may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'an accepted offer does not expire', stage: 'ACCEPTED', actor: ACTORS.system, payload, refused: 'INVALID_TRANSITION' },
]);

describe('ExpireOffer against the database clock', () => {
  it('a worker whose clock runs ahead does not expire an offer the database clock has not reached: retried, not refused', async () => {
    const w = world('OFFERED');
    const offer = (await w.getReferral(payload.referralId)).offer(payload.offerId);
    w.dbNow = new Date(offer.deadlineAt!.getTime() - 1000);
    const handler = new ExpireOfferHandler(w, fakePolicy);
    const ahead = { ...ctxFor(ACTORS.system, 'ExpireOffer'), now: new Date(offer.deadlineAt!.getTime() + 3_600_000) };
    await expect(handler.execute(new ExpireOfferCommand(payload, ahead))).rejects.toBeInstanceOf(DeadlineNotReached);
    expect((await w.getReferral(payload.referralId)).offer(payload.offerId).state).toBe('PENDING');
    w.dbNow = new Date(offer.deadlineAt!.getTime() + 1);
    await handler.execute(new ExpireOfferCommand(payload, ahead));
    expect((await w.getReferral(payload.referralId)).offer(payload.offerId).state).toBe('EXPIRED');
  });
});
