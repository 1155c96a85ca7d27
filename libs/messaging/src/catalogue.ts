import { Actor, CommandName } from '@bedlink/domain';

/**
 * Queue catalogue. Stable string names (never class names): they live in Redis across deploys.
 * BullMQ queues are work queues, not topics, so the outbox relay copies each event to every
 * consumer group's queue; each consumer records handled event ids in the inbox.
 */
export const QUEUES = {
  commands: 'commands',
  projections: 'events-projections',
  timers: 'events-timers',
  notifications: 'events-notifications',
  deadlines: 'deadlines',
  deadLetter: 'dead-letter',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The event-consumer queues every outbox row is relayed to. */
export const EVENT_QUEUES: readonly QueueName[] = [QUEUES.projections, QUEUES.timers, QUEUES.notifications];

export interface CommandJob {
  type: CommandName;
  payload: Record<string, unknown>;
  actor: Actor;
  correlationId: string;
  causationId: string | null;
  submittedAt: string;
  /** Hash of type + payload: the same idempotency key with a different body is refused. */
  fingerprint: string;
}

export interface CommandError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}
export type CommandOutcome = ({ ok: true; result: Record<string, unknown> } | { ok: false; error: CommandError }) & { fingerprint?: string };

export interface EventJob {
  eventId: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  metadata: { actor: Actor; correlationId: string; causationId: string | null; commandId: string; occurredAt: string; aggregateSeq: number; reason: string | null };
  /** Commit → relay timestamps, for the e2e latency figure. */
  committedAt: string;
}

export const DEADLINE_JOBS = { expireOffer: 'expire-offer', expireReservation: 'expire-reservation' } as const;
export interface DeadlineJob {
  referralId: string;
  offerId?: string;
  reservationId?: string;
  dueAt: string;
}

/** BullMQ refuses ':' in custom ids; keep ids readable and collision-free. */
export function deadlineJobId(kind: 'offer' | 'reservation', id: string): string {
  return `${kind}-deadline-${id}`;
}
