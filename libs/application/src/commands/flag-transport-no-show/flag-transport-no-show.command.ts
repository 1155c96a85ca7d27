import { BedlinkCommand } from '../../command';

/** Issued by the pickup-window timer; `windowEndsAt` names the booking it guards (a re-booking makes it stale). */
export class FlagTransportNoShowCommand extends BedlinkCommand<{ referralId: string; windowEndsAt: string }> {
  static override readonly type = 'FlagTransportNoShow';
}
