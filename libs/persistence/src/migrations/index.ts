import { Foundation1732300000000 } from './1732300000000-foundation';
import { Registry1732400000000 } from './1732400000000-registry';
import { ApiKeys1732500000000 } from './1732500000000-api-keys';
import { WebhooksKpis1732650000000 } from './1732650000000-webhooks-kpis';
import { DistrictPolicy1732700000000 } from './1732700000000-district-policy';
import { Credentials1733010000000 } from './1733010000000-credentials';
import { CareRelationships1733020000000 } from './1733020000000-care-relationships';
import { AuditCheckpoints1733040000000 } from './1733040000000-audit-checkpoints';
import { RuntimeRole1733040000001 } from './1733040000001-runtime-role';
import { StayEnds1734100000000 } from './1734100000000-stay-ends';
import { FamilyDoctorRole1734100000001 } from './1734100000001-family-doctor-role';
import { TwoBedIntegration1734100000002 } from './1734100000002-two-bed-integration';
import { DocumentsMessages1734300000000 } from './1734300000000-documents-messages';
import { AroundReferral1734400000000 } from './1734400000000-around-referral';
import { PendingCommands1734500000000 } from './1734500000000-pending-commands';
import { CityIndexes1734500000001 } from './1734500000001-city-indexes';
import { PatientHome1734100000003 } from './1734100000003-patient-home';
import { AgreementScope1734100000004 } from './1734100000004-agreement-scope';
import { InstitutionOwnership1734100000005 } from './1734100000005-institution-ownership';
import { UserAccounts1734600000000 } from './1734600000000-user-accounts';
import { BoardSnapshots1734600000001 } from './1734600000001-board-snapshots';
import { MonthlyPartitions1734800000000 } from './1734800000000-monthly-partitions';
import { ReferralsOriginUpdated1734900000000 } from './1734900000000-referrals-origin-updated';
import { ReserveBeds1735000000000 } from './1735000000000-reserve-beds';
import { DirectStays1735000000001 } from './1735000000001-direct-stays';
import { OffersReferralOrder1735100000000 } from './1735100000000-offers-referral-order';
import { ReservationsReferralOrder1735110000000 } from './1735110000000-reservations-referral-order';
import { AuditCheckpointHeads1735200000000 } from './1735200000000-audit-checkpoint-heads';
import { WaitingListByReferral1735300000000 } from './1735300000000-waiting-list-by-referral';
import { AggregateChildrenFunctions1735300000001 } from './1735300000001-aggregate-children-functions';
import { VersionGuardFunction1735400000000 } from './1735400000000-version-guard-function';
import { OutboxWrittenAt1735500000000 } from './1735500000000-outbox-written-at';

/** Listed explicitly (no glob) so bundled or compiled builds find every migration. */
export const MIGRATIONS = [
  Foundation1732300000000,
  Registry1732400000000,
  ApiKeys1732500000000,
  WebhooksKpis1732650000000,
  DistrictPolicy1732700000000,
  Credentials1733010000000,
  CareRelationships1733020000000,
  AuditCheckpoints1733040000000,
  RuntimeRole1733040000001,
  StayEnds1734100000000,
  FamilyDoctorRole1734100000001,
  TwoBedIntegration1734100000002,
  DocumentsMessages1734300000000,
  AroundReferral1734400000000,
  PendingCommands1734500000000,
  CityIndexes1734500000001,
  PatientHome1734100000003,
  AgreementScope1734100000004,
  InstitutionOwnership1734100000005,
  UserAccounts1734600000000,
  BoardSnapshots1734600000001,
  MonthlyPartitions1734800000000,
  ReferralsOriginUpdated1734900000000,
  ReserveBeds1735000000000,
  DirectStays1735000000001,
  OffersReferralOrder1735100000000,
  ReservationsReferralOrder1735110000000,
  AuditCheckpointHeads1735200000000,
  WaitingListByReferral1735300000000,
  AggregateChildrenFunctions1735300000001,
  VersionGuardFunction1735400000000,
  OutboxWrittenAt1735500000000,
];
export { grantRuntimeRoleSql, RUNTIME_ROLE, STATEMENT_TIMEOUT_MS } from './1733040000001-runtime-role';
