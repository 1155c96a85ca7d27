import { WebhookSubscription } from '@bedlink/domain';
import { AggregateAdapter, Row } from './adapter';
import { insertRows, table } from './table';

const WEBHOOK_SUBSCRIPTIONS = table(
  'webhook_subscriptions',
  ['id', 'institution_id', 'url', 'event_types', 'description', 'secret_enc', 'created_by', 'created_at', 'version', 'chain_seq', 'chain_hash'],
  ['active', 'deleted_at', 'chain_seq', 'chain_hash'],
);

export function rowToWebhookSubscription(r: Row): WebhookSubscription {
  return WebhookSubscription.rehydrate(
    {
      id: r.id,
      institutionId: r.institution_id,
      url: r.url,
      eventTypes: r.event_types,
      description: r.description,
      secretEnc: r.secret_enc,
      createdBy: r.created_by,
      active: r.active,
    },
    r.version,
  );
}

export const webhookSubscriptionAdapter: AggregateAdapter<WebhookSubscription> = {
  table: WEBHOOK_SUBSCRIPTIONS,
  tables: [WEBHOOK_SUBSCRIPTIONS],
  notFound: { code: 'NOT_FOUND', what: 'webhook subscription' },
  lock: true,
  // a deleted subscription is gone for commands
  where: 'active',
  fromRow: (row) => rowToWebhookSubscription(row),
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, WEBHOOK_SUBSCRIPTIONS, [
      {
        id: p.id,
        institution_id: p.institutionId,
        url: p.url,
        event_types: p.eventTypes,
        description: p.description,
        secret_enc: p.secretEnc,
        created_by: p.createdBy,
        created_at: s.now,
        version: 1,
        ...s.chain,
      },
    ]);
  },
  async update(a, s) {
    const p = a.props;
    await s.update(WEBHOOK_SUBSCRIPTIONS, p.id, a.version, { active: p.active, deleted_at: p.active ? null : s.now, ...s.chain });
  },
};
