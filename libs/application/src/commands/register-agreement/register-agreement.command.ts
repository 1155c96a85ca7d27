import { BedKind, Direction } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface RegisterAgreementPayload {
  id?: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  kinds?: BedKind[];
  directions?: Direction[];
}

export class RegisterAgreementCommand extends BedlinkCommand<RegisterAgreementPayload> {
  static override readonly type = 'RegisterAgreement';
}
