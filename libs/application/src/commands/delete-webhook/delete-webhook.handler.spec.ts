import { WebhookSubscription } from '@bedlink/domain';
import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { DeleteWebhookCommand } from './delete-webhook.command';
import { DeleteWebhookHandler } from './delete-webhook.handler';

const payload = { subscriptionId: 'wh-1' };
describeHandler(DeleteWebhookCommand, DeleteWebhookHandler, [
  { name: 'a centre deletes its own endpoint', actor: ACTORS.target, payload, events: ['WebhookSubscriptionDeleted'] },
  { name: "another centre's endpoint reads as unknown", actor: ACTORS.stranger, payload, refused: 'NOT_FOUND' },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  {
    name: 'a deleted endpoint is gone',
    given: (w) => (w.all.get('wh-1') as WebhookSubscription).delete(T0),
    actor: ACTORS.target,
    payload,
    refused: 'NOT_FOUND',
  },
]);
