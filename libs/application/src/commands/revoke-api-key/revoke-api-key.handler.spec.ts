import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { RevokeApiKeyCommand } from './revoke-api-key.command';
import { RevokeApiKeyHandler } from './revoke-api-key.handler';

const payload = { apiKeyId: 'key-1', reason: 'leaked' };
describeHandler(RevokeApiKeyCommand, RevokeApiKeyHandler, [
  { name: 'the district revokes a key', actor: ACTORS.district, payload, events: ['ApiKeyRevoked'] },
  { name: 'another district may not', actor: ACTORS.otherDistrict, payload, refused: 'FORBIDDEN' },
]);
