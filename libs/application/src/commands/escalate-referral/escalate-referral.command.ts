import { BedlinkCommand } from '../../command';
import { ReasonedRef } from '../shared/refs';

export class EscalateReferralCommand extends BedlinkCommand<ReasonedRef> {
  static override readonly type = 'EscalateReferral';
}
