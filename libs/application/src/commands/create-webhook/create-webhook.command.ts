import { BedlinkCommand } from '../../command';

/** The signing secret is generated and encrypted by the API; the command carries only the ciphertext. */
export interface CreateWebhookPayload {
  id: string;
  institutionId: string;
  url: string;
  eventTypes: string[];
  description?: string;
  secretEnc: string;
}

export class CreateWebhookCommand extends BedlinkCommand<CreateWebhookPayload> {
  static override readonly type = 'CreateWebhook';
}
