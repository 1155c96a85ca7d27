import { BedlinkCommand } from '../../command';
import { DraftReferralPayload } from '../draft-referral/draft-referral.command';

export interface SubmitSurgePayload {
  referrals: DraftReferralPayload[];
}

export class SubmitSurgeCommand extends BedlinkCommand<SubmitSurgePayload> {
  static override readonly type = 'SubmitSurge';
}
