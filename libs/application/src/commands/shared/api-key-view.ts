import { ApiKey } from '@bedlink/domain';

/** What an API key's command answers and the command log keeps: never the key, nor its hash. */
export function keyView(k: ApiKey) {
  const p = k.props;
  return {
    id: p.id,
    prefix: p.prefix,
    label: p.label,
    role: p.role,
    institutionId: p.institutionId,
    districtId: p.districtId,
    createdBy: p.createdBy,
    createdAt: new Date(p.createdAt).toISOString(),
    expiresAt: new Date(p.expiresAt).toISOString(),
    revokedAt: p.revokedAt ? new Date(p.revokedAt).toISOString() : null,
  };
}
