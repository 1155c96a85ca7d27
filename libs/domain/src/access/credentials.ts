import { AggregateRoot } from '../shared/events';
import { Role } from '../shared/actor';
import { DomainError } from '../shared/errors';

/**
 * Credentials for machine clients: API keys (inbound) and webhook subscriptions (outbound). They
 * are aggregates so that issuing, revoking, creating and deleting them are audited commands like any
 * other state change. Neither ever holds a secret in clear: an API key only as its SHA-256, a
 * webhook signing secret only encrypted; and neither appears in an event, so the audit log, the
 * outbox and the command log never see it.
 */
export interface ApiKeyProps {
  id: string;
  prefix: string;
  keyHash: string;
  label: string;
  role: Role;
  institutionId: string | null;
  districtId: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export class ApiKey extends AggregateRoot {
  readonly aggregateType = 'ApiKey' as const;
  private constructor(private p: ApiKeyProps) {
    super();
  }
  static issue(props: Omit<ApiKeyProps, 'revokedAt' | 'revokedBy'>, at: Date): ApiKey {
    if (props.role === 'SYSTEM') throw new DomainError('VALIDATION_FAILED', 'no key can act as the engine itself');
    if (!(props.expiresAt.getTime() > at.getTime())) throw new DomainError('VALIDATION_FAILED', 'an API key must expire in the future');
    const k = new ApiKey({ ...props, revokedAt: null, revokedBy: null });
    const { keyHash: _secret, ...shown } = k.p;
    k.record(
      'ApiKeyIssued',
      {
        apiKeyId: shown.id,
        prefix: shown.prefix,
        label: shown.label,
        role: shown.role,
        institutionId: shown.institutionId,
        districtId: shown.districtId,
        expiresAt: shown.expiresAt.toISOString(),
      },
      at,
    );
    return k;
  }
  static rehydrate(props: ApiKeyProps, version: number): ApiKey {
    const k = new ApiKey({ ...props });
    k.version = version;
    return k;
  }
  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<ApiKeyProps> {
    return this.p;
  }
  /** Revoking twice is a no-op (no second event): the key stopped working the first time. */
  revoke(by: string, at: Date, reason?: string): void {
    if (this.p.revokedAt) return;
    this.p = { ...this.p, revokedAt: at, revokedBy: by };
    this.record('ApiKeyRevoked', { apiKeyId: this.p.id, prefix: this.p.prefix, districtId: this.p.districtId }, at, reason);
  }
}

export interface WebhookSubscriptionProps {
  id: string;
  institutionId: string;
  url: string;
  eventTypes: string[];
  description: string;
  /** The signing secret, encrypted by the API before the command is queued. */
  secretEnc: string;
  createdBy: string;
  active: boolean;
}

export class WebhookSubscription extends AggregateRoot {
  readonly aggregateType = 'WebhookSubscription' as const;
  private constructor(private p: WebhookSubscriptionProps) {
    super();
  }
  static create(props: Omit<WebhookSubscriptionProps, 'active'>, at: Date): WebhookSubscription {
    const s = new WebhookSubscription({ ...props, eventTypes: [...new Set(props.eventTypes)], active: true });
    s.record(
      'WebhookSubscriptionCreated',
      { subscriptionId: s.p.id, institutionId: s.p.institutionId, url: s.p.url, eventTypes: s.p.eventTypes, description: s.p.description },
      at,
    );
    return s;
  }
  static rehydrate(props: WebhookSubscriptionProps, version: number): WebhookSubscription {
    const s = new WebhookSubscription({ ...props });
    s.version = version;
    return s;
  }
  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<WebhookSubscriptionProps> {
    return this.p;
  }
  delete(at: Date): void {
    if (!this.p.active) throw new DomainError('NOT_FOUND', `webhook subscription ${this.p.id} does not exist`, { id: this.p.id });
    this.p = { ...this.p, active: false };
    this.record('WebhookSubscriptionDeleted', { subscriptionId: this.p.id, institutionId: this.p.institutionId }, at);
  }
}
