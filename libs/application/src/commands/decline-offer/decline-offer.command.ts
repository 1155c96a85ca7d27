import { DeclinedBy, DeclineReason } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';
import { OfferRef } from '../shared/refs';

export interface DeclineOfferPayload extends OfferRef {
  reason: DeclineReason;
  declinedBy?: DeclinedBy;
  text?: string | null;
}

export class DeclineOfferCommand extends BedlinkCommand<DeclineOfferPayload> {
  static override readonly type = 'DeclineOffer';
}
