import { BedlinkCommand } from '../../command';

export const ACCOUNT_ACTIONS = ['DISABLE', 'ENABLE', 'RESET_PASSWORD', 'RESET_TOTP'] as const;
export type AccountAction = (typeof ACCOUNT_ACTIONS)[number];

/** An administrator's act on an account; RESET_PASSWORD carries the new hash (made by the API), never the password. */
export interface AdministerUserAccountPayload {
  userAccountId: string;
  action: AccountAction;
  passwordHash?: string;
  reason?: string;
}

export class AdministerUserAccountCommand extends BedlinkCommand<AdministerUserAccountPayload> {
  static override readonly type = 'AdministerUserAccount';
}
