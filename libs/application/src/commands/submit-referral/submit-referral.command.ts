import { BedlinkCommand } from '../../command';
import { TargetRef } from '../shared/targets';
import { ReferralRef } from '../shared/refs';

export interface SubmitReferralPayload extends ReferralRef {
  /** Ranked targets: the engine offers to them by the referral's strategy (broadcast N / cascade one by one). */
  targets?: TargetRef[];
}

export class SubmitReferralCommand extends BedlinkCommand<SubmitReferralPayload> {
  static override readonly type = 'SubmitReferral';
}
