import { BedCommand, BedStatus } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface ChangeBedStatusPayload {
  bedId: string;
  /** The manual command; or `toStatus`, the 0116 status to reach (HL7 ADT^A20), and the command is found under the lock. */
  command?: BedCommand;
  toStatus?: BedStatus;
  reason?: string;
}

export class ChangeBedStatusCommand extends BedlinkCommand<ChangeBedStatusPayload> {
  static override readonly type = 'ChangeBedStatus';
}
