import { BedlinkCommand } from '../../command';
import { ReasonedRef } from '../shared/refs';

export class CloseReferralCommand extends BedlinkCommand<ReasonedRef> {
  static override readonly type = 'CloseReferral';
}
