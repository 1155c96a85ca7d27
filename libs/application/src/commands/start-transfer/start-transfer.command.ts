import { BedlinkCommand } from '../../command';
import { ReferralRef } from '../shared/refs';

export class StartTransferCommand extends BedlinkCommand<ReferralRef> {
  static override readonly type = 'StartTransfer';
}
