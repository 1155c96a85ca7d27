import { OfferStrategy } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';
import { ReasonedRef } from '../shared/refs';

export interface ReroutePayload extends ReasonedRef {
  targets: { institutionId: string; bedId?: string | null; programmeId?: string | null }[];
  strategy?: OfferStrategy;
}

export class RerouteReferralCommand extends BedlinkCommand<ReroutePayload> {
  static override readonly type = 'RerouteReferral';
}
