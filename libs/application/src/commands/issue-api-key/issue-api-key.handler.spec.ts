import { actor, ACTORS } from '../../testing/fake-unit-of-work';
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
  {
    name: 'an institution key may name its own district',
    actor: ACTORS.district,
    payload: { ...payload, districtId: 'd1' },
    events: ['ApiKeyIssued'],
    result: { id: 'key-2', institutionId: 'cc1', districtId: 'd1', role: 'COMMUNITY_COORDINATOR', expiresAt: '2027-06-01T00:00:00.000Z' },
  },
  {
    name: 'an institution key naming another district than its institution’s is refused',
    actor: ACTORS.district,
    payload: { ...payload, districtId: 'd2' },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['districtId'] },
  },
  {
    name: 'an institution role key must name its institution',
    actor: ACTORS.district,
    payload: { ...payload, institutionId: undefined },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['institutionId'] },
  },
  {
    name: 'a district role key acts for the issuer’s district when none is named',
    actor: ACTORS.district,
    payload: { ...payload, role: 'AUDITOR', institutionId: undefined },
    events: ['ApiKeyIssued'],
    result: { role: 'AUDITOR', institutionId: null, districtId: 'd1' },
  },
  {
    name: 'a district role key with no district to act for is refused',
    actor: actor('DISTRICT_COORDINATOR', null, null),
    payload: { ...payload, role: 'AUDITOR', institutionId: undefined },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['districtId'] },
  },
]);
