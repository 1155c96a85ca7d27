import { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyStore } from '../api-keys';
import { PiiCipher } from '../pii-cipher';
import { PII_CIPHER } from '../unit-of-work';
import { WebhookSubscriptions } from '../webhook-subscriptions';
import { AdtReads } from './adt';
import { AroundReads } from './around';
import { UserSessions } from '../user-sessions';
import { AuditReads } from './audit';
import { BedBoardReads } from './bed-board';
import { CandidateReads } from './candidates';
import { CommandLogReads, MessageRefusals, PendingCommands } from './command-log';
import { DashboardReads } from './dashboard';
import { FhirReads } from './fhir';
import { InboxReads } from './inbox';
import { JourneyReads } from './journey';
import { LiveReplayReads } from './live-replay';
import { MetricsReads } from './metrics';
import { ProgrammeReads } from './programmes';
import { ReferralReads } from './referrals';
import { RegistryReads } from './registry';
import { ThreadReads } from './threads';
import { PatientSearchReads } from './patient-search';

export * from './adt';
export * from './around';
export * from './audit';
export * from './bed-board';
export * from './candidates';
export * from './command-log';
export * from './dashboard';
export * from './fhir';
export * from './inbox';
export * from './journey';
export * from './live-replay';
export * from './metrics';
export * from './programmes';
export * from './referrals';
export * from './registry';
export * from './threads';
export * from './patient-search';

/**
 * The read side as Nest providers: the query classes, and the stores the API reads through. An app
 * injects these, never the DataSource (no SQL outside libs/persistence). Needs InfraModule (DataSource,
 * CLOCK, POLICY, ENV_CONFIG, PII_CIPHER).
 */
const READ_CLASSES = [
  ReferralReads,
  RegistryReads,
  ProgrammeReads,
  BedBoardReads,
  JourneyReads,
  CandidateReads,
  InboxReads,
  AuditReads,
  FhirReads,
  MetricsReads,
  CommandLogReads,
  AdtReads,
  AroundReads,
  ThreadReads,
  LiveReplayReads,
  DashboardReads,
  PendingCommands,
  MessageRefusals,
  PatientSearchReads,
];

export const READ_PROVIDERS: Provider[] = [
  ...READ_CLASSES,
  { provide: ApiKeyStore, inject: [DataSource], useFactory: (ds: DataSource) => new ApiKeyStore(ds) },
  { provide: UserSessions, inject: [DataSource], useFactory: (ds: DataSource) => new UserSessions(ds) },
  { provide: WebhookSubscriptions, inject: [DataSource, PII_CIPHER], useFactory: (ds: DataSource, cipher: PiiCipher) => new WebhookSubscriptions(ds, cipher) },
];

/** Every class of READ_PROVIDERS, for a module's exports. */
export const READ_EXPORTS = [...READ_CLASSES, ApiKeyStore, WebhookSubscriptions, UserSessions];
