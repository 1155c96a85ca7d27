import { BedKind, Direction, ServiceCode } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface RegisterAgreementPayload {
  id?: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  kinds?: BedKind[];
  directions?: Direction[];
  services?: ServiceCode[];
  validFrom?: string | null;
  validUntil?: string | null;
}

export class RegisterAgreementCommand extends BedlinkCommand<RegisterAgreementPayload> {
  static override readonly type = 'RegisterAgreement';
}
