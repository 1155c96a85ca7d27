import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { PiiCipher } from './pii-cipher';

export interface WebhookSubscriptionView {
  id: string;
  institutionId: string;
  url: string;
  eventTypes: string[];
  description: string;
  createdBy: string;
  createdAt: string;
}

export interface WebhookTarget {
  id: string;
  institutionId: string;
  url: string;
  secret: string;
}

const view = (r: any): WebhookSubscriptionView => ({
  id: r.id,
  institutionId: r.institution_id,
  url: r.url,
  eventTypes: r.event_types,
  description: r.description,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * Reads of webhook subscriptions. Writes are the audited commands CreateWebhook and DeleteWebhook
 * (the WebhookSubscription aggregate). Listing is scoped by institution: one institution never
 * sees another's endpoints. A deleted subscription's queued deliveries are dropped when they run.
 * Secrets are encrypted at rest with the PII cipher and only decrypted by the delivery worker.
 */
export class WebhookSubscriptions {
  constructor(
    private readonly ds: DataSource,
    private readonly cipher: PiiCipher,
  ) {}

  static newSecret(): string {
    return `whsec_${randomBytes(32).toString('base64url')}`;
  }

  async list(institutionId: string): Promise<WebhookSubscriptionView[]> {
    const rows = await this.ds.query(`SELECT * FROM webhook_subscriptions WHERE institution_id = $1 AND active ORDER BY created_at, id`, [institutionId]);
    return rows.map(view);
  }

  /** Live subscriptions of these institutions that want this event type (empty filter = all). */
  async matching(em: EntityManager | DataSource, institutionIds: readonly string[], eventType: string): Promise<{ id: string; institutionId: string }[]> {
    if (!institutionIds.length) return [];
    const rows = await em.query(
      `SELECT id, institution_id FROM webhook_subscriptions
       WHERE active AND institution_id = ANY($1::uuid[]) AND (cardinality(event_types) = 0 OR $2 = ANY(event_types))
       ORDER BY id`,
      [institutionIds, eventType],
    );
    return rows.map((r: any) => ({ id: r.id, institutionId: r.institution_id }));
  }

  /** What the delivery worker needs; null once the subscription is deleted. */
  async target(id: string): Promise<WebhookTarget | null> {
    const [r] = await this.ds.query(`SELECT id, institution_id, url, secret_enc FROM webhook_subscriptions WHERE id = $1 AND active`, [id]);
    return r ? { id: r.id, institutionId: r.institution_id, url: r.url, secret: this.cipher.decrypt(r.secret_enc) } : null;
  }
}
