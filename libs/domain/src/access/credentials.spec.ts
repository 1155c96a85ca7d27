import { DomainError } from '../shared/errors';
import { ApiKey, WebhookSubscription } from './credentials';

const AT = new Date('2026-11-30T02:00:00Z');
const key = (over: Partial<Parameters<typeof ApiKey.issue>[0]> = {}) =>
  ApiKey.issue(
    {
      id: 'k1',
      prefix: 'bl_abc',
      keyHash: 'f'.repeat(64),
      label: 'HIS',
      role: 'COMMUNITY_COORDINATOR',
      institutionId: 'cc1',
      districtId: 'd1',
      createdBy: 'u1',
      createdAt: AT,
      expiresAt: new Date(AT.getTime() + 1000),
      ...over,
    },
    AT,
  );
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? e.code : String(e);
  }
  return 'accepted';
};

describe('API keys', () => {
  it('are issued with an event that shows the key but never its hash', () => {
    const k = key();
    expect(k.props).toMatchObject({ revokedAt: null, revokedBy: null });
    const [e] = k.pullEvents();
    expect(e).toMatchObject({
      type: 'ApiKeyIssued',
      payload: {
        apiKeyId: 'k1',
        prefix: 'bl_abc',
        label: 'HIS',
        role: 'COMMUNITY_COORDINATOR',
        institutionId: 'cc1',
        districtId: 'd1',
        expiresAt: '2026-11-30T02:00:01.000Z',
      },
    });
    expect(JSON.stringify(e)).not.toContain('f'.repeat(64));
  });
  it('never act as the engine, and must expire after the moment of issue', () => {
    expect(refusal(() => key({ role: 'SYSTEM' }))).toBe('VALIDATION_FAILED');
    expect(refusal(() => key({ expiresAt: AT }))).toBe('VALIDATION_FAILED');
    expect(refusal(() => key({ expiresAt: new Date(AT.getTime() - 1) }))).toBe('VALIDATION_FAILED');
    expect(refusal(() => key({ expiresAt: new Date(AT.getTime() + 1) }))).toBe('accepted');
  });
  it('are revoked once: who and when kept, one event, a second revoke changes nothing', () => {
    const k = key();
    k.pullEvents();
    k.revoke('u2', AT, 'leaked');
    const later = new Date(AT.getTime() + 60_000);
    k.revoke('u3', later);
    expect(k.props).toMatchObject({ revokedAt: AT, revokedBy: 'u2' });
    expect(k.pullEvents().map((e) => [e.type, e.payload, e.reason])).toEqual([
      ['ApiKeyRevoked', { apiKeyId: 'k1', prefix: 'bl_abc', districtId: 'd1' }, 'leaked'],
    ]);
  });
  it('rehydrate with their version', () => {
    const k = ApiKey.rehydrate({ ...key().props }, 7);
    expect(k.version).toBe(7);
    expect(k.id).toBe('k1');
    expect(k.pullEvents()).toEqual([]);
  });
});

describe('webhook subscriptions', () => {
  const create = () =>
    WebhookSubscription.create(
      {
        id: 'w1',
        institutionId: 'cc1',
        url: 'https://cc1.example.org/h',
        eventTypes: ['OfferExtended', 'OfferExtended', 'OfferAccepted'],
        description: 'HIS',
        secretEnc: 'enc',
        createdBy: 'u1',
      },
      AT,
    );
  it('are created active, event types once each, the secret kept out of the event', () => {
    const s = create();
    expect(s.props).toMatchObject({ active: true, eventTypes: ['OfferExtended', 'OfferAccepted'] });
    const [e] = s.pullEvents();
    expect(e).toMatchObject({
      type: 'WebhookSubscriptionCreated',
      payload: {
        subscriptionId: 'w1',
        institutionId: 'cc1',
        url: 'https://cc1.example.org/h',
        eventTypes: ['OfferExtended', 'OfferAccepted'],
        description: 'HIS',
      },
    });
    expect(JSON.stringify(e)).not.toContain('enc');
  });
  it('are deleted once; deleting again is NOT_FOUND', () => {
    const s = create();
    s.pullEvents();
    s.delete(AT);
    expect(s.props.active).toBe(false);
    expect(s.pullEvents().map((e) => [e.type, e.payload])).toEqual([['WebhookSubscriptionDeleted', { subscriptionId: 'w1', institutionId: 'cc1' }]]);
    expect(refusal(() => s.delete(AT))).toBe('NOT_FOUND');
    expect(WebhookSubscription.rehydrate({ ...s.props }, 3).version).toBe(3);
  });
});
