import { BedlinkCommand } from '../../command';
import { ReferralRef } from '../shared/refs';

export class ConfirmAdmissionCommand extends BedlinkCommand<ReferralRef> {
  static override readonly type = 'ConfirmAdmission';
}
