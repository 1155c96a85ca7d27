import { randomUUID } from 'node:crypto';

/** Stable event names: stored in the audit log and outbox, so never derived from class names. */
export const EVENT_TYPES = [
  'InstitutionRegistered',
  'InstitutionUpdated',
  'BedRegistered',
  'BedStatusChanged',
  'PatientRegistered',
  'CareRelationshipAdded',
  'ReferralDrafted',
  'ReferralSubmitted',
  'OfferExtended',
  'OfferViewed',
  'OfferAccepted',
  'OfferDeclined',
  'OfferExpired',
  'OfferWithdrawn',
  'OfferRevoked',
  'ReferralEscalated',
  'ReferralRerouted',
  'ReferralRejected',
  'BedReserved',
  'ReservationExpired',
  'ReservationReleased',
  'ReservationConsumed',
  'TransferStarted',
  'PatientAdmitted',
  'ReferralCompleted',
  'ReferralCancelled',
  'ReferralFailed',
  'PlacementRequested',
  'PlacementConfirmed',
  'ProgrammeRegistered',
  'ProgrammeCapacityChanged',
  'PatientEnrolled',
  'EnrolmentEnded',
  'AgreementRegistered',
  'DistrictPolicyChanged',
  'AssessmentUpdated',
  'ReferralReassessed',
  'OfferDeadlineWarning',
  'ReturnHoldPlaced',
  'ReturnHoldReleased',
  'ReturnHoldLapsed',
  'StayEnded',
  'PatientRecordAccessed',
  'ApiKeyIssued',
  'ApiKeyRevoked',
  'WebhookSubscriptionCreated',
  'WebhookSubscriptionDeleted',
  'PreferencesRecorded',
  'TransportArranged',
  'TransportNoShow',
  'TransportResolved',
  'ReferralWaitlisted',
  'WaitingListOffered',
  'WaitingListLeft',
  'DocumentAttached',
  'DocumentDownloaded',
  'MessagePosted',
  'MessagesRead',
  'OfferPaused',
  'OfferResumed',
  'UserAccountCreated',
  'UserAccountDisabled',
  'UserAccountEnabled',
  'UserPasswordChanged',
  'UserTotpChanged',
  'AuditPartitionArchived',
  'BedReserveMarked',
  'BedReserveOpened',
  'BedReserveClosed',
  'StayBegan',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type AggregateType =
  | 'Referral'
  | 'Bed'
  | 'Institution'
  | 'Patient'
  | 'DistrictPolicy'
  | 'Programme'
  | 'Agreement'
  | 'ApiKey'
  | 'WebhookSubscription'
  | 'UserAccount'
  | 'AuditArchive';

export interface DomainEvent<P extends object = Record<string, unknown>> {
  readonly id: string;
  readonly type: EventType;
  readonly aggregateType: AggregateType;
  readonly aggregateId: string;
  readonly occurredAt: Date;
  /** Self-contained: projections and receivers never need to read state to understand it. */
  readonly payload: P;
  /** Why it happened, when a person gave a reason (decline text, cancel reason, ...). */
  readonly reason?: string;
}

export function makeEvent<P extends object>(
  aggregateType: AggregateType,
  aggregateId: string,
  type: EventType,
  payload: P,
  occurredAt: Date,
  reason?: string,
): DomainEvent<P> {
  return { id: randomUUID(), type, aggregateType, aggregateId, occurredAt, payload, ...(reason ? { reason } : {}) };
}

/** Base for aggregates: collects the events of one command until the unit of work persists them. */
export abstract class AggregateRoot {
  private pending: DomainEvent[] = [];
  abstract readonly aggregateType: AggregateType;
  abstract get id(): string;
  /** Version as loaded; the repository checks it on save (optimistic concurrency). */
  version = 0;

  protected record<P extends object>(type: EventType, payload: P, at: Date, reason?: string): DomainEvent<P> {
    const e = makeEvent(this.aggregateType, this.id, type, payload, at, reason);
    this.pending.push(e as DomainEvent);
    return e;
  }

  pullEvents(): DomainEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  peekEvents(): readonly DomainEvent[] {
    return this.pending;
  }
}
