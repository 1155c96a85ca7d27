import { EscortNeed, TransportMode } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface ArrangeTransportPayload {
  referralId: string;
  mode: TransportMode;
  pickupAt: string;
  /** Defaults to the pickup time (the receiver sees it). */
  expectedArrivalAt?: string | null;
  escort?: EscortNeed[];
  note?: string | null;
}

export class ArrangeTransportCommand extends BedlinkCommand<ArrangeTransportPayload> {
  static override readonly type = 'ArrangeTransport';
}
