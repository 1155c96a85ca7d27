import { randomBytes, randomUUID } from 'node:crypto';
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
 * Webhook subscriptions: configuration an institution owns, not a domain aggregate, so writes go
 * straight to Postgres (no command, no audit chain). Every query is scoped by institution: one
 * institution can neither see nor delete another's endpoints (a foreign id reads as not found).
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

  async create(input: { institutionId: string; url: string; eventTypes: string[]; description?: string; createdBy: string }): Promise<WebhookSubscriptionView & { secret: string }> {
    const secret = WebhookSubscriptions.newSecret();
    const [row] = await this.ds.query(
      `INSERT INTO webhook_subscriptions (id, institution_id, url, event_types, description, secret_enc, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [randomUUID(), input.institutionId, input.url, [...new Set(input.eventTypes)], input.description ?? '', this.cipher.encrypt(secret), input.createdBy],
    );
    return { ...view(row), secret };
  }

  async list(institutionId: string): Promise<WebhookSubscriptionView[]> {
    const rows = await this.ds.query(`SELECT * FROM webhook_subscriptions WHERE institution_id = $1 AND active ORDER BY created_at, id`, [institutionId]);
    return rows.map(view);
  }

  /** Soft delete: queued deliveries for it are dropped when they next run. */
  async remove(institutionId: string, id: string): Promise<boolean> {
    const res = await this.ds.query(`UPDATE webhook_subscriptions SET active = false, deleted_at = now() WHERE id = $1 AND institution_id = $2 AND active RETURNING id`, [id, institutionId]);
    return (Array.isArray(res[0]) ? res[0] : res).length > 0;
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
