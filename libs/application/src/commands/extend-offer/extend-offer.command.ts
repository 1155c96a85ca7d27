import { BedlinkCommand } from '../../command';

export interface ExtendOfferPayload {
  referralId: string;
  offerId?: string;
  targetInstitutionId: string;
  targetBedId?: string | null;
  targetProgrammeId?: string | null;
}

export class ExtendOfferCommand extends BedlinkCommand<ExtendOfferPayload> {
  static override readonly type = 'ExtendOffer';
}
