import { UserAccount } from '@bedlink/domain';
import { AggregateAdapter, Row } from './adapter';
import { insertRows, table } from './table';

const USER_ACCOUNTS = table(
  'user_accounts',
  [
    'id',
    'username',
    'display_name',
    'role',
    'institution_id',
    'district_id',
    'password_hash',
    'totp_secret_enc',
    'disabled_at',
    'credentials_changed_at',
    'created_by',
    'created_at',
    'version',
    'chain_seq',
    'chain_hash',
  ],
  ['password_hash', 'totp_secret_enc', 'disabled_at', 'credentials_changed_at', 'chain_seq', 'chain_hash'],
);

export function rowToUserAccount(r: Row): UserAccount {
  return UserAccount.rehydrate(
    {
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      role: r.role,
      institutionId: r.institution_id,
      districtId: r.district_id,
      passwordHash: r.password_hash,
      totpSecretEnc: r.totp_secret_enc,
      disabledAt: r.disabled_at,
      credentialsChangedAt: r.credentials_changed_at,
      createdBy: r.created_by,
      createdAt: r.created_at,
    },
    r.version,
  );
}

export const userAccountAdapter: AggregateAdapter<UserAccount> = {
  table: USER_ACCOUNTS,
  tables: [USER_ACCOUNTS],
  notFound: { code: 'NOT_FOUND', what: 'user account' },
  lock: true,
  fromRow: (row) => rowToUserAccount(row),
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, USER_ACCOUNTS, [
      {
        id: p.id,
        username: p.username,
        display_name: p.displayName,
        role: p.role,
        institution_id: p.institutionId,
        district_id: p.districtId,
        password_hash: p.passwordHash,
        totp_secret_enc: p.totpSecretEnc,
        disabled_at: p.disabledAt,
        credentials_changed_at: p.credentialsChangedAt,
        created_by: p.createdBy,
        created_at: p.createdAt,
        version: 1,
        ...s.chain,
      },
    ]);
  },
  async update(a, s) {
    const p = a.props;
    await s.update(USER_ACCOUNTS, p.id, a.version, {
      password_hash: p.passwordHash,
      totp_secret_enc: p.totpSecretEnc,
      disabled_at: p.disabledAt,
      credentials_changed_at: p.credentialsChangedAt,
      ...s.chain,
    });
  },
};
