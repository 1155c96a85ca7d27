import { actor, ACTORS, T0 } from '../../testing/fake-unit-of-work';
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
  {
    name: 'a district role key names no institution',
    actor: ACTORS.district,
    payload: { ...payload, role: 'AUDITOR' },
    refused: 'VALIDATION_FAILED',
    details: { fields: ['institutionId'] },
  },
  {
    name: 'the key is stored with its scope, issuer and dates',
    actor: ACTORS.district,
    payload,
    result: { id: 'key-2', prefix: 'bl_key2', label: 'cc1 again', createdBy: ACTORS.district.userId, createdAt: T0.toISOString(), revokedAt: null },
    after: async (w) => {
      expect((await w.getApiKey('key-2')).props).toMatchObject({
        role: 'COMMUNITY_COORDINATOR',
        institutionId: 'cc1',
        districtId: 'd1',
        keyHash: payload.keyHash,
        expiresAt: new Date(payload.expiresAt),
      });
    },
  },
  {
    name: 'a role that does not fit the institution’s type is refused',
    actor: ACTORS.district,
    payload: { ...payload, institutionId: 'hosp' },
    refused: 'ROLE_INSTITUTION_MISMATCH',
    details: { role: 'COMMUNITY_COORDINATOR', institutionId: 'hosp', institutionType: 'REGIONAL_MEDICAL_CENTRE' },
  },
  {
    name: 'another district learns nothing of the role fit: FORBIDDEN first',
    actor: ACTORS.otherDistrict,
    payload: { ...payload, institutionId: 'hosp' },
    refused: 'FORBIDDEN',
  },
  {
    name: 'a district role key may name the district explicitly',
    actor: ACTORS.district,
    payload: { ...payload, role: 'AUDITOR', institutionId: undefined, districtId: 'd1' },
    result: { role: 'AUDITOR', institutionId: null, districtId: 'd1' },
  },
  {
    name: 'a district role key for another district is refused',
    actor: ACTORS.district,
    payload: { ...payload, role: 'AUDITOR', institutionId: undefined, districtId: 'd2' },
    refused: 'FORBIDDEN',
  },
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
