import { BedlinkCommand } from '../../command';

export class LapseReturnHoldCommand extends BedlinkCommand<{ bedId: string }> {
  static override readonly type = 'LapseReturnHold';
}
