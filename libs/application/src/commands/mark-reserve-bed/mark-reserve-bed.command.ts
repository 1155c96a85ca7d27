import { BedlinkCommand } from '../../command';

export interface MarkReserveBedPayload {
  bedId: string;
  /** true: the bed becomes reserve (surge) capacity, out of matching until the district opens it; false: back to normal use. */
  reserve: boolean;
  reason?: string;
}

export class MarkReserveBedCommand extends BedlinkCommand<MarkReserveBedPayload> {
  static override readonly type = 'MarkReserveBed';
}
