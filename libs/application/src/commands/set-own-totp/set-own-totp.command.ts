import { BedlinkCommand } from '../../command';

/** The API verified a code against the new secret (so the user's authenticator works) and encrypted it. */
export interface SetOwnTotpPayload {
  userAccountId: string;
  totpSecretEnc: string | null;
}

export class SetOwnTotpCommand extends BedlinkCommand<SetOwnTotpPayload> {
  static override readonly type = 'SetOwnTotp';
}
