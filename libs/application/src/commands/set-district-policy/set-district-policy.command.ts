import { BedlinkCommand } from '../../command';

export interface SetDistrictPolicyPayload {
  districtId: string;
  document: unknown;
  reason?: string;
}

export class SetDistrictPolicyCommand extends BedlinkCommand<SetDistrictPolicyPayload> {
  static override readonly type = 'SetDistrictPolicy';
}
