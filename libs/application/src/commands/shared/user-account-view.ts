import { UserAccount } from '@bedlink/domain';

/** What a command answers about an account: never the password hash or the TOTP secret. */
export function accountView(u: UserAccount) {
  const p = u.props;
  return {
    id: p.id,
    username: p.username,
    displayName: p.displayName,
    role: p.role,
    institutionId: p.institutionId,
    districtId: p.districtId,
    disabled: p.disabledAt !== null,
    totp: p.totpSecretEnc !== null,
  };
}
