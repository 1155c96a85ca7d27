import { Foundation1732300000000 } from './1732300000000-foundation';
import { Registry1732400000000 } from './1732400000000-registry';
import { ApiKeys1732500000000 } from './1732500000000-api-keys';
import { WebhooksKpis1732650000000 } from './1732650000000-webhooks-kpis';
import { DistrictPolicy1732700000000 } from './1732700000000-district-policy';
import { Credentials1733010000000 } from './1733010000000-credentials';
import { CareRelationships1733020000000 } from './1733020000000-care-relationships';
import { AuditCheckpoints1733040000000 } from './1733040000000-audit-checkpoints';
import { RuntimeRole1733040000001 } from './1733040000001-runtime-role';
import { UserAccounts1734600000000 } from './1734600000000-user-accounts';
import { BoardSnapshots1734600000001 } from './1734600000001-board-snapshots';

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
  UserAccounts1734600000000,
  BoardSnapshots1734600000001,
];
export { grantRuntimeRoleSql, RUNTIME_ROLE } from './1733040000001-runtime-role';
