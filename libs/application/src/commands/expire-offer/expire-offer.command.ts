import { BedlinkCommand } from '../../command';
import { OfferRef } from '../shared/refs';

export class ExpireOfferCommand extends BedlinkCommand<OfferRef> {
  static override readonly type = 'ExpireOffer';
}
