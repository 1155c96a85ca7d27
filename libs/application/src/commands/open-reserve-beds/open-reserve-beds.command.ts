import { BedlinkCommand } from '../../command';

export interface OpenReserveBedsPayload {
  /** Reserve beds of the coordinator's district (one or more institutions). */
  bedIds: string[];
  /** true opens them to matching; false closes them again (occupants stay). */
  open: boolean;
  reason: string;
}

export class OpenReserveBedsCommand extends BedlinkCommand<OpenReserveBedsPayload> {
  static override readonly type = 'OpenReserveBeds';
}
