import { BedCommand } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface ChangeBedStatusPayload {
  bedId: string;
  command: BedCommand;
  reason?: string;
}

export class ChangeBedStatusCommand extends BedlinkCommand<ChangeBedStatusPayload> {
  static override readonly type = 'ChangeBedStatus';
}
