import { BedlinkCommand } from '../../command';
import { OfferRef } from '../shared/refs';

export interface AcceptOfferPayload extends OfferRef {
  bedId?: string | null;
  programmeId?: string | null;
}

export class AcceptOfferCommand extends BedlinkCommand<AcceptOfferPayload> {
  static override readonly type = 'AcceptOffer';
}
