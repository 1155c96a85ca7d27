import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
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
]);
