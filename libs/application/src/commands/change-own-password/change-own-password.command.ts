import { BedlinkCommand } from '../../command';

/** The API checked the current password and hashed the new one; the account is the session's own. */
export interface ChangeOwnPasswordPayload {
  userAccountId: string;
  passwordHash: string;
}

export class ChangeOwnPasswordCommand extends BedlinkCommand<ChangeOwnPasswordPayload> {
  static override readonly type = 'ChangeOwnPassword';
}
