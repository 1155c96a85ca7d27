import { Foundation1732300000000 } from './1732300000000-foundation';
import { Registry1732400000000 } from './1732400000000-registry';

/** Listed explicitly (no glob) so bundled or compiled builds find every migration. */
export const MIGRATIONS = [Foundation1732300000000, Registry1732400000000];
