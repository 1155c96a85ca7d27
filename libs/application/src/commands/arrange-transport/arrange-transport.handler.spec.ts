import { Referral } from '@bedlink/domain';
import { ACTORS, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ArrangeTransportCommand } from './arrange-transport.command';
import { ArrangeTransportHandler } from './arrange-transport.handler';

const at = (min: number) => new Date(T0.getTime() + min * 60_000).toISOString();
const payload = { referralId: 'ref-1', mode: 'AMBULANCE', pickupAt: at(60), expectedArrivalAt: at(90), escort: ['NURSE', 'STRETCHER'] };
describeHandler(ArrangeTransportCommand, ArrangeTransportHandler, [
  {
    name: 'the origin books an ambulance; the window follows the policy default (1h)',
    stage: 'ACCEPTED',
    actor: ACTORS.origin,
    payload,
    events: ['TransportArranged'],
    result: { transport: { mode: 'AMBULANCE', status: 'ARRANGED', expectedArrivalAt: at(90), pickupWindowEndsAt: at(120) } },
  },
  { name: 'the receiver may not book it', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'not before a bed is accepted', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
  {
    name: 'an arrival before the pickup',
    stage: 'ACCEPTED',
    actor: ACTORS.origin,
    payload: { ...payload, expectedArrivalAt: at(10) },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'the booking is stored on the referral, its arrival the referral’s expected arrival',
    stage: 'ACCEPTED',
    actor: ACTORS.origin,
    payload: { ...payload, note: 'oxygen on board' },
    result: { referralId: 'ref-1', state: 'ACCEPTED' },
    after: (w) => {
      expect(referral(w).props.transport).toMatchObject({
        mode: 'AMBULANCE',
        pickupAt: new Date(at(60)),
        expectedArrivalAt: new Date(at(90)),
        escort: ['NURSE', 'STRETCHER'],
        note: 'oxygen on board',
        arrangedBy: ACTORS.origin.userId,
      });
      expect(referral(w).props.expectedArrival).toEqual(new Date(at(90)));
    },
  },
  {
    name: 'no arrival given: expected at the pickup; no escort, no note',
    stage: 'ACCEPTED',
    actor: ACTORS.origin,
    payload: { referralId: 'ref-1', mode: 'AMBULANCE', pickupAt: at(60) },
    result: { transport: { expectedArrivalAt: at(60), pickupWindowEndsAt: at(120) } },
    after: (w) => expect(referral(w).props.transport).toMatchObject({ escort: [], note: null }),
  },
]);

function referral(w: FakeUnitOfWork): Referral {
  return w.all.get('ref-1') as Referral;
}
