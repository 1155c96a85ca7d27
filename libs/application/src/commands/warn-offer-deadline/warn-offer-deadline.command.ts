import { BedlinkCommand } from '../../command';

export class WarnOfferDeadlineCommand extends BedlinkCommand<{ referralId: string; offerId: string; fraction: number; dueAt?: string | null }> {
  static override readonly type = 'WarnOfferDeadline';
}
