import { BedlinkCommand } from '../../command';

export interface RevokeApiKeyPayload {
  apiKeyId: string;
  reason?: string;
}

export class RevokeApiKeyCommand extends BedlinkCommand<RevokeApiKeyPayload> {
  static override readonly type = 'RevokeApiKey';
}
