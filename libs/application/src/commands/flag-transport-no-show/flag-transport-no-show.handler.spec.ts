import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { FakeUnitOfWork } from '../../testing/fake-unit-of-work';
import { FlagTransportNoShowCommand } from './flag-transport-no-show.command';
import { FlagTransportNoShowHandler } from './flag-transport-no-show.handler';

const ago = (min: number) => new Date(T0.getTime() - min * 60_000);
/** An ambulance booked for two hours ago, window of one hour: over at T0 - 1h. */
const booked = (w: FakeUnitOfWork) => {
  const r = w.all.get('ref-1') as any;
  r.arrangeTransport({ mode: 'AMBULANCE', pickupAt: ago(120), expectedArrivalAt: ago(90), pickupWindowMs: 3_600_000, escort: [] }, ACTORS.origin, ago(180));
  r.pullEvents();
};
const payload = { referralId: 'ref-1', windowEndsAt: ago(60).toISOString() };
describeHandler(FlagTransportNoShowCommand, FlagTransportNoShowHandler, [
  { name: 'the window passed and the patient has not left', stage: 'ACCEPTED', given: booked, actor: ACTORS.system, payload, events: ['TransportNoShow'] },
  { name: 'a person may not', stage: 'ACCEPTED', given: booked, actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  {
    name: 'a stale timer (another booking)',
    stage: 'ACCEPTED',
    given: booked,
    actor: ACTORS.system,
    payload: { ...payload, windowEndsAt: ago(5).toISOString() },
    refused: 'INVALID_TRANSITION',
  },
  { name: 'nothing booked', stage: 'ACCEPTED', actor: ACTORS.system, payload, refused: 'INVALID_TRANSITION' },
]);
