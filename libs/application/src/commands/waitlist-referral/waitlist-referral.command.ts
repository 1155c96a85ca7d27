import { BedlinkCommand } from '../../command';

export class WaitlistReferralCommand extends BedlinkCommand<{ referralId: string; offerId: string; entryId?: string }> {
  static override readonly type = 'WaitlistReferral';
}
