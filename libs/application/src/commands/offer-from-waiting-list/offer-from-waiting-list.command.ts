import { BedlinkCommand } from '../../command';

/** A bed of the list's institution is free: offer it to the first eligible referral on the list. */
export class OfferFromWaitingListCommand extends BedlinkCommand<{ bedId: string }> {
  static override readonly type = 'OfferFromWaitingList';
}
