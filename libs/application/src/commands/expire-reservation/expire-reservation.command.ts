import { BedlinkCommand } from '../../command';
import { ReservationRef } from '../shared/refs';

export class ExpireReservationCommand extends BedlinkCommand<ReservationRef> {
  static override readonly type = 'ExpireReservation';
}
