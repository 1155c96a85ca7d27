import { BedlinkCommand } from '../../command';
import { OfferRef } from '../shared/refs';

/** `dueAt`: the deadline the timer was armed for; a timer for an older deadline (paused, resumed) is refused. */
export class ExpireOfferCommand extends BedlinkCommand<OfferRef & { dueAt?: string | null }> {
  static override readonly type = 'ExpireOffer';
}
