import { BedlinkCommand } from '../../command';

export interface DeleteWebhookPayload {
  subscriptionId: string;
}

export class DeleteWebhookCommand extends BedlinkCommand<DeleteWebhookPayload> {
  static override readonly type = 'DeleteWebhook';
}
