import { BedlinkCommand } from '../../command';

export interface ChangeProgrammeCapacityPayload {
  programmeId: string;
  capacity: number;
  reason?: string;
}

export class ChangeProgrammeCapacityCommand extends BedlinkCommand<ChangeProgrammeCapacityPayload> {
  static override readonly type = 'ChangeProgrammeCapacity';
}
