import { EVENT_TYPES } from '@bedlink/domain';
import { QUEUES, QueueName } from './catalogue';

/**
 * Who consumes which events. The relay sends each outbox row only to the queues whose consumer
 * subscribes to its type; `inbox: true` consumers record handled ids (exactly-once effect) and
 * are checked when Redis lost its data. The timers consumer needs no inbox: arming a deadline is
 * idempotent (job id) and the deadline reconciler re-arms from Postgres.
 */
export interface ConsumerSpec {
  name: string;
  queue: QueueName;
  types: readonly string[] | 'ALL';
  /** With 'ALL': types this consumer never gets. */
  except?: readonly string[];
  inbox: boolean;
}

export const CONSUMERS: readonly ConsumerSpec[] = [
  {
    name: 'bed-board',
    queue: QUEUES.projections,
    types: [
      'BedRegistered',
      'BedStatusChanged',
      'BedReserved',
      'ReservationReleased',
      'ReservationExpired',
      'ProgrammeRegistered',
      'ProgrammeCapacityChanged',
      'PatientEnrolled',
      'EnrolmentEnded',
    ],
    inbox: true,
  },
  { name: 'journey', queue: QUEUES.projections, types: ['TransferStarted', 'PatientAdmitted', 'StayEnded', 'StayBegan'], inbox: true },
  // Deadlines (OfferExtended, OfferResumed, BedReserved, TransportArranged) are armed by the relay itself, in the
  // pass that fans the event out (DEADLINE_EVENTS): only a pause, which takes timers away, needs this consumer.
  { name: 'timers', queue: QUEUES.timers, types: ['OfferPaused'], inbox: false },
  // A bed that frees (cleaned, reopened, discharged to housekeeping, its hold given back, its list offer ended) is
  // offered to the first on its institution's waiting list. Shares the timers queue and processor; no inbox: the
  // dispatch command re-checks everything under its locks, so a repeat offers nothing twice.
  {
    name: 'waiting-list',
    queue: QUEUES.timers,
    types: ['BedStatusChanged', 'ReservationReleased', 'ReservationExpired', 'WaitingListLeft', 'BedReserveOpened'],
    inbox: false,
  },
  // Subscriptions filter by type at fan-out time (they change at run time), so this consumer takes every event
  // but the credential ones: an endpoint is not told about keys and endpoints (the audit log is).
  {
    name: 'webhooks',
    queue: QUEUES.webhookEvents,
    types: 'ALL',
    except: [
      'ApiKeyIssued',
      'ApiKeyRevoked',
      'WebhookSubscriptionCreated',
      'WebhookSubscriptionDeleted',
      'UserAccountCreated',
      'UserAccountDisabled',
      'UserAccountEnabled',
      'UserPasswordChanged',
      'UserTotpChanged',
      // the operator's archive of a month concerns no institution
      'AuditPartitionArchived',
    ],
    inbox: true,
  },
  { name: 'kpis', queue: QUEUES.kpiEvents, types: ['OfferAccepted', 'OfferDeclined', 'OfferExpired', 'ReferralEscalated'], inbox: true },
];

/** Events whose delayed jobs (deadline, warnings, pickup window) the relay adds to the deadlines queue with their fan-out. */
export const DEADLINE_EVENTS: readonly string[] = ['OfferExtended', 'OfferResumed', 'BedReserved', 'TransportArranged'];

export function queuesFor(eventType: string): QueueName[] {
  return [...new Set(CONSUMERS.filter((c) => (c.types === 'ALL' ? !c.except?.includes(eventType) : c.types.includes(eventType))).map((c) => c.queue))];
}

/** The event types a consumer takes, or null for every type. */
export function consumedTypes(c: ConsumerSpec): readonly string[] | null {
  if (c.types !== 'ALL') return c.types;
  return c.except?.length ? EVENT_TYPES.filter((t) => !c.except!.includes(t)) : null;
}
