import {
  Agreement,
  AggregateType,
  ApiKey,
  Bed,
  DistrictPolicy,
  Institution,
  Patient,
  Programme,
  Referral,
  UserAccount,
  WebhookSubscription,
  AuditArchive,
} from '@bedlink/domain';
import { AggregateAdapter } from './adapter';
import { agreementAdapter } from './agreement';
import { apiKeyAdapter } from './api-key';
import { bedAdapter } from './bed';
import { districtPolicyAdapter } from './district-policy';
import { institutionAdapter } from './institution';
import { patientAdapter } from './patient';
import { programmeAdapter } from './programme';
import { referralAdapter } from './referral';
import { Table } from './table';
import { webhookSubscriptionAdapter } from './webhook-subscription';
import { userAccountAdapter } from './user-account';
import { auditArchiveAdapter } from './audit-archive';

/** Every class the unit of work tracks. */
export type Aggregate =
  Referral | Bed | Institution | Patient | DistrictPolicy | Programme | Agreement | ApiKey | WebhookSubscription | UserAccount | AuditArchive;
export type AggregateOf<K extends AggregateType> = Extract<Aggregate, { aggregateType: K }>;

/**
 * One adapter per aggregate type, keyed by the domain's AggregateType (the type of every aggregate root's
 * `aggregateType`): a new aggregate type fails typecheck here until it has an adapter.
 */
export const ADAPTERS: { readonly [K in AggregateType]: AggregateAdapter<AggregateOf<K>> } = {
  Referral: referralAdapter,
  Bed: bedAdapter,
  Institution: institutionAdapter,
  Patient: patientAdapter,
  DistrictPolicy: districtPolicyAdapter,
  Programme: programmeAdapter,
  Agreement: agreementAdapter,
  ApiKey: apiKeyAdapter,
  WebhookSubscription: webhookSubscriptionAdapter,
  UserAccount: userAccountAdapter,
  AuditArchive: auditArchiveAdapter,
};

/** The adapter of an aggregate, found by its aggregateType (the one cast: TypeScript cannot correlate the two). */
export function adapterOf<A extends Aggregate>(a: A): AggregateAdapter<A> {
  return ADAPTERS[a.aggregateType] as unknown as AggregateAdapter<A>;
}

/** Every table and column the aggregates write (npm run schema:check). */
export const WRITTEN_TABLES: readonly Table[] = Object.values(ADAPTERS).flatMap((a: AggregateAdapter<Aggregate>) => a.tables);

export type { AggregateAdapter, Save } from './adapter';
export { rowToOffer, rowToReservation, rowToReferral } from './referral';
export { rowToBed } from './bed';
export { rowToInstitution } from './institution';
export { rowToPatient } from './patient';
export { rowToProgramme } from './programme';
export { rowToAgreement, rowToAgreementProps } from './agreement';
export { rowToApiKey } from './api-key';
export { rowToWebhookSubscription } from './webhook-subscription';
export { rowToUserAccount } from './user-account';
export { rowToAuditArchive } from './audit-archive';
