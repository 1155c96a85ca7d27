import { BedKind, ServiceCode } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface RegisterProgrammePayload {
  id?: string;
  institutionId: string;
  kind: BedKind;
  name: string;
  capacity: number;
  areaCodes?: string[];
  radiusKm?: number | null;
  services?: ServiceCode[];
  minCareLevel?: number | null;
  maxCareLevel?: number | null;
}

export class RegisterProgrammeCommand extends BedlinkCommand<RegisterProgrammePayload> {
  static override readonly type = 'RegisterProgramme';
}
