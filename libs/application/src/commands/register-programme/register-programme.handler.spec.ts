import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RegisterProgrammeCommand } from './register-programme.command';
import { RegisterProgrammeHandler } from './register-programme.handler';

const payload = { institutionId: 'cc1', kind: 'HOME_SICKBED', name: 'more home wards', capacity: 3 };
describeHandler(RegisterProgrammeCommand, RegisterProgrammeHandler, [
  { name: 'a centre registers its own programme', actor: ACTORS.target, payload, events: ['ProgrammeRegistered'] },
  { name: 'another centre may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'a programme is a home place, not a hospital bed', actor: ACTORS.target, payload: { ...payload, kind: 'HOSPITAL' }, refused: 'BED_KIND_MISMATCH' },
]);
