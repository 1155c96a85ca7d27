import { BedKind, DispatchMode, OfferStrategy, PreferencesInput, ServiceCode, Urgency } from '@bedlink/domain';
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
  /** The patient's and family's choice, if already known (RecordPreferences changes it later). */
  preferences?: PreferencesInput | null;
}

export class DraftReferralCommand extends BedlinkCommand<DraftReferralPayload> {
  static override readonly type = 'DraftReferral';
}
