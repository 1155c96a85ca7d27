import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RecordPreferencesCommand } from './record-preferences.command';
import { RecordPreferencesHandler } from './record-preferences.handler';

const payload = { referralId: 'ref-1', ranked: ['cc2'], excluded: ['cc9'], expressedBy: 'FAMILY' };
describeHandler(RecordPreferencesCommand, RecordPreferencesHandler, [
  { name: 'the origin records the family choice', stage: 'OFFERED', actor: ACTORS.origin, payload, events: ['PreferencesRecorded'] },
  { name: 'a target may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'a place both wanted and refused', stage: 'DRAFT', actor: ACTORS.origin, payload: { ...payload, excluded: ['cc2'] }, refused: 'VALIDATION_FAILED' },
  { name: 'the origin itself is no choice', stage: 'DRAFT', actor: ACTORS.origin, payload: { ...payload, ranked: ['hosp'] }, refused: 'VALIDATION_FAILED' },
  { name: 'not once the referral is over', stage: 'COMPLETED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
