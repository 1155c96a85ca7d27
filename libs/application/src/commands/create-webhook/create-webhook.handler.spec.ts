import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { CreateWebhookCommand } from './create-webhook.command';
import { CreateWebhookHandler } from './create-webhook.handler';

const payload = { id: 'wh-2', institutionId: 'cc1', url: 'https://cc1.example.org/other', eventTypes: ['OfferExtended'], secretEnc: 'enc' };
describeHandler(CreateWebhookCommand, CreateWebhookHandler, [
  { name: 'a centre registers its own endpoint', actor: ACTORS.target, payload, events: ['WebhookSubscriptionCreated'] },
  { name: 'another centre may not', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
]);
