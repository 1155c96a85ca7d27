import { BedKind, ServiceCode, Sex } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface RegisterBedPayload {
  id?: string;
  institutionId: string;
  kind: BedKind;
  ward: string;
  label: string;
  services?: ServiceCode[];
  sexRestriction?: Sex | null;
  minCareLevel?: number | null;
  maxCareLevel?: number | null;
  isolationCapable?: boolean;
  basicGuarantee?: boolean;
}

export class RegisterBedCommand extends BedlinkCommand<RegisterBedPayload> {
  static override readonly type = 'RegisterBed';
}
