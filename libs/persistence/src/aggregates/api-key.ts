import { ApiKey } from '@bedlink/domain';
import { AggregateAdapter, Row } from './adapter';
import { insertRows, table } from './table';

const API_KEYS = table(
  'api_keys',
  [
    'id',
    'prefix',
    'key_hash',
    'label',
    'role',
    'institution_id',
    'district_id',
    'created_by',
    'created_at',
    'expires_at',
    'version',
    'chain_seq',
    'chain_hash',
  ],
  ['revoked_at', 'revoked_by', 'chain_seq', 'chain_hash'],
);

export function rowToApiKey(r: Row): ApiKey {
  return ApiKey.rehydrate(
    {
      id: r.id,
      prefix: r.prefix,
      keyHash: r.key_hash,
      label: r.label,
      role: r.role,
      institutionId: r.institution_id,
      districtId: r.district_id,
      createdBy: r.created_by,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      revokedBy: r.revoked_by,
    },
    r.version,
  );
}

export const apiKeyAdapter: AggregateAdapter<ApiKey> = {
  table: API_KEYS,
  tables: [API_KEYS],
  notFound: { code: 'NOT_FOUND', what: 'API key' },
  lock: true,
  fromRow: (row) => rowToApiKey(row),
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, API_KEYS, [
      {
        id: p.id,
        prefix: p.prefix,
        key_hash: p.keyHash,
        label: p.label,
        role: p.role,
        institution_id: p.institutionId,
        district_id: p.districtId,
        created_by: p.createdBy,
        created_at: p.createdAt,
        expires_at: p.expiresAt,
        version: 1,
        ...s.chain,
      },
    ]);
  },
  async update(a, s) {
    const p = a.props;
    await s.update(API_KEYS, p.id, a.version, { revoked_at: p.revokedAt, revoked_by: p.revokedBy, ...s.chain });
  },
};
