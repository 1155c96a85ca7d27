import { withNationalCalendar } from './national-calendar';
import { DataSource } from 'typeorm';
import { Policy } from '@bedlink/application';
import { DistrictPolicyDoc } from '@bedlink/domain';
import { sameConnection } from './active-tx';

/**
 * District policies as stored (changed only through the audited SetDistrictPolicy command),
 * cached briefly per process so handlers do not pay a query per command; a change reaches every
 * process within the TTL. Districts without a document get the configured defaults.
 */
export class DbPolicy implements Policy {
  private readonly cache = new Map<string, { doc: DistrictPolicyDoc; at: number }>();
  constructor(
    private readonly ds: DataSource,
    private readonly fallback: (districtId: string) => DistrictPolicyDoc,
    private readonly ttlMs = 2000,
  ) {}

  async forDistrict(districtId: string): Promise<DistrictPolicyDoc> {
    const hit = this.cache.get(districtId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.doc;
    const rows = await sameConnection(this.ds).query(`SELECT document FROM district_policies WHERE district_id = $1`, [districtId]);
    // the deadlines run on the effective calendar: national holidays and 调休 with the district's own on top
    const doc: DistrictPolicyDoc = withNationalCalendar(rows[0]?.document ?? this.fallback(districtId));
    this.cache.set(districtId, { doc, at: Date.now() });
    return doc;
  }

  forget(districtId: string): void {
    this.cache.delete(districtId);
  }
}
