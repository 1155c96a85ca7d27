import { BedlinkCommand } from '../../command';
import { ReasonedRef } from '../shared/refs';

export class RevokeAcceptanceCommand extends BedlinkCommand<ReasonedRef> {
  static override readonly type = 'RevokeAcceptance';
}
