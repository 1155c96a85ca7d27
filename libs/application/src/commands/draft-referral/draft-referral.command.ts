import { BedKind, DispatchMode, OfferStrategy, ServiceCode, Urgency } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface DraftReferralPayload {
  referralId?: string;
  patientId: string;
  originBedId?: string | null;
  originKind?: BedKind;
  requestedKind: BedKind;
  services: ServiceCode[];
  urgency: Urgency;
  strategy?: OfferStrategy;
  fanout?: number;
  clinicalSummary: string;
  careLevel?: number | null;
  consent: boolean;
  expectedArrival?: string | null;
  dispatch?: DispatchMode;
}

export class DraftReferralCommand extends BedlinkCommand<DraftReferralPayload> {
  static override readonly type = 'DraftReferral';
}
