import { BedlinkCommand } from '../../command';
import { ReasonedRef } from '../shared/refs';

export class CancelReferralCommand extends BedlinkCommand<ReasonedRef> {
  static override readonly type = 'CancelReferral';
}
