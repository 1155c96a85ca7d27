import { EventJob } from './catalogue';

/** Payload keys that name an institution with an interest in the event. */
const INSTITUTION_KEYS = ['originInstitutionId', 'targetInstitutionId', 'institutionId', 'registeredBy'] as const;

/** The institutions an event concerns: its subscribers are looked up among these. */
export function involvedInstitutions(payload: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const k of INSTITUTION_KEYS) if (typeof payload[k] === 'string') out.add(payload[k] as string);
  if (Array.isArray(payload.involved)) for (const i of payload.involved) if (typeof i === 'string') out.add(i);
  return [...out];
}

/** Per institution with a live webhook subscription, the event types it wants (null: every type). */
export type WebhookRoutes = Map<string, Set<string> | null>;

/** Routes from the live rows of webhook_subscriptions (institution_id, event_types; an empty list means every type). */
export function webhookRoutesOf(rows: readonly { institution_id: string; event_types: string[] }[]): WebhookRoutes {
  const byInstitution: WebhookRoutes = new Map();
  for (const r of rows) {
    const types = r.event_types;
    const had = byInstitution.get(r.institution_id);
    if (had === null || !types.length) byInstitution.set(r.institution_id, null);
    else byInstitution.set(r.institution_id, new Set([...(had ?? []), ...types]));
  }
  return byInstitution;
}

/**
 * Whether some live subscription of an institution the event concerns wants its type: the relay routes an
 * event to the webhook fan-out only then, and the lost-write sweeper expects a webhooks inbox row only then.
 */
export function wantsWebhook(routes: WebhookRoutes, type: string, payload: Record<string, unknown>): boolean {
  if (!routes.size) return false;
  return involvedInstitutions(payload).some((i) => {
    const types = routes.get(i);
    return types === null || (types !== undefined && types.has(type));
  });
}

/**
 * Keys that would identify a patient. Events carry none today (patients are referred to by an
 * opaque id); this is the backstop so a future payload change cannot leak one to a third-party URL.
 */
const PATIENT_IDENTIFIER_KEYS = new Set(['residentId', 'residentIdHash', 'name', 'patientName', 'phone', 'birthDate', 'address']);

function strip(v: unknown, patient: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => strip(x, patient));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      // institution names and addresses are public; on a patient's event every such key goes
      if (PATIENT_IDENTIFIER_KEYS.has(k) && (patient || !['name', 'address'].includes(k))) continue;
      out[k] = strip(x, patient);
    }
    return out;
  }
  return v;
}

export interface WebhookBody {
  id: string;
  type: string;
  occurredAt: string;
  aggregateType: string;
  aggregateId: string;
  data: Record<string, unknown>;
}

/** The JSON a subscriber receives for an event (the same bytes for every subscriber and retry). */
export function webhookBody(e: Pick<EventJob, 'eventId' | 'type' | 'aggregateType' | 'aggregateId' | 'payload' | 'metadata'>): string {
  const body: WebhookBody = {
    id: e.eventId,
    type: e.type,
    occurredAt: e.metadata?.occurredAt ?? new Date().toISOString(),
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    data: strip(e.payload, e.aggregateType === 'Patient') as Record<string, unknown>,
  };
  return JSON.stringify(body);
}
