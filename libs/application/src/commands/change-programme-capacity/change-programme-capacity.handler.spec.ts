import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ChangeProgrammeCapacityCommand } from './change-programme-capacity.command';
import { ChangeProgrammeCapacityHandler } from './change-programme-capacity.handler';

const payload = { programmeId: 'prog-1', capacity: 5 };
describeHandler(ChangeProgrammeCapacityCommand, ChangeProgrammeCapacityHandler, [
  { name: 'a centre grows its own programme', actor: ACTORS.target, payload, events: ['ProgrammeCapacityChanged'] },
  { name: 'another centre may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'capacity is not negative', actor: ACTORS.target, payload: { ...payload, capacity: -1 }, refused: 'VALIDATION_FAILED' },
]);
