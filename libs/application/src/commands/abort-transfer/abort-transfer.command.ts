import { BedlinkCommand } from '../../command';
import { ReasonedRef } from '../shared/refs';

export class AbortTransferCommand extends BedlinkCommand<ReasonedRef> {
  static override readonly type = 'AbortTransfer';
}
