import { Bed } from '@bedlink/domain';
import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { LapseReturnHoldCommand } from './lapse-return-hold.command';
import { LapseReturnHoldHandler } from './lapse-return-hold.handler';

const payload = { bedId: 'bed-1' };
describeHandler(LapseReturnHoldCommand, LapseReturnHoldHandler, [
  {
    name: 'the timer lapses an expired return hold',
    given: (w) => (w.all.get('bed-1') as Bed).placeReturnHold('pat-1', new Date(T0.getTime() - 1000), 'ref-0', T0),
    actor: ACTORS.system,
    payload,
    events: ['ReturnHoldLapsed'],
  },
  { name: 'a person may not', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no hold, nothing to lapse', actor: ACTORS.system, payload, refused: 'INVALID_TRANSITION' },
]);
