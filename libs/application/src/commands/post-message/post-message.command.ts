import { MessageKind } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';
import { ReferralRef } from '../shared/refs';

export interface PostMessagePayload extends ReferralRef {
  messageId: string;
  /** The origin names the target whose thread it writes in; a target always writes in its own. */
  targetInstitutionId?: string | null;
  text: string;
  kind?: MessageKind;
  /** NEED_MORE_INFO answers this offer (it must be the writer's own live offer). */
  offerId?: string | null;
}

export class PostMessageCommand extends BedlinkCommand<PostMessagePayload> {
  static override readonly type = 'PostMessage';
}
