import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { IssueApiKeyCommand } from './issue-api-key.command';
import { IssueApiKeyHandler } from './issue-api-key.handler';

const payload = {
  id: 'key-2',
  label: 'cc1 again',
  role: 'COMMUNITY_COORDINATOR',
  institutionId: 'cc1',
  prefix: 'bl_key2',
  keyHash: 'h'.repeat(64),
  expiresAt: '2027-06-01T00:00:00Z',
};
describeHandler(IssueApiKeyCommand, IssueApiKeyHandler, [
  { name: 'the district issues a key for its centre', actor: ACTORS.district, payload, events: ['ApiKeyIssued'] },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
  { name: 'a district role key names no institution', actor: ACTORS.district, payload: { ...payload, role: 'AUDITOR' }, refused: 'VALIDATION_FAILED' },
]);
