import { BedlinkCommand } from '../../command';
import { DraftReferralPayload } from '../draft-referral/draft-referral.command';

export interface SubmitSurgePayload {
  referrals: DraftReferralPayload[];
  /** Answer the allocation (and greedy's) the batch would get now, and create nothing. */
  dryRun?: boolean;
}

export class SubmitSurgeCommand extends BedlinkCommand<SubmitSurgePayload> {
  static override readonly type = 'SubmitSurge';
}
