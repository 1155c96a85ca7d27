import { BedlinkCommand } from '../../command';
import { OfferRef } from '../shared/refs';

export class ViewOfferCommand extends BedlinkCommand<OfferRef> {
  static override readonly type = 'ViewOffer';
}
