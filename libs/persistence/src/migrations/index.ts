import { Foundation1732300000000 } from './1732300000000-foundation';
import { ApiKeys1732500000000 } from './1732500000000-api-keys';

/** Listed explicitly (no glob) so bundled or compiled builds find every migration. */
export const MIGRATIONS = [Foundation1732300000000, ApiKeys1732500000000];
