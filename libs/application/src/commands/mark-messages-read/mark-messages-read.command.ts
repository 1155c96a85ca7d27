import { BedlinkCommand } from '../../command';
import { ReferralRef } from '../shared/refs';

export interface MarkMessagesReadPayload extends ReferralRef {
  /** The origin names the thread; a target reads its own. */
  targetInstitutionId?: string | null;
  upToMessageId: string;
}

export class MarkMessagesReadCommand extends BedlinkCommand<MarkMessagesReadPayload> {
  static override readonly type = 'MarkMessagesRead';
}
