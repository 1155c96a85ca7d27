import { InstitutionType, ServiceCode } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface RegisterInstitutionPayload {
  id?: string;
  code: string;
  name: string;
  type: InstitutionType;
  districtId: string;
  address?: string;
  lat?: number | null;
  lng?: number | null;
  services?: ServiceCode[];
}

export class RegisterInstitutionCommand extends BedlinkCommand<RegisterInstitutionPayload> {
  static override readonly type = 'RegisterInstitution';
}
