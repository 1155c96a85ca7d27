import { DistrictPolicy } from '@bedlink/domain';
import { AggregateAdapter } from './adapter';
import { insertRows, table } from './table';

const DISTRICT_POLICIES = table(
  'district_policies',
  ['id', 'district_id', 'document', 'version', 'chain_seq', 'chain_hash', 'created_at', 'updated_at'],
  ['document', 'chain_seq', 'chain_hash', 'updated_at'],
);

/** Loaded by district (`Tx.getDistrictPolicy`); a district without a stored policy has none, not an error. */
export const districtPolicyAdapter: AggregateAdapter<DistrictPolicy> = {
  table: DISTRICT_POLICIES,
  tables: [DISTRICT_POLICIES],
  notFound: { code: 'NOT_FOUND', what: 'district policy' },
  lock: true,
  fromRow: (row) => DistrictPolicy.rehydrate(row.id, row.document, row.version),
  async insert(a, s) {
    await insertRows(s.q, DISTRICT_POLICIES, [
      { id: a.id, district_id: a.document.districtId, document: JSON.stringify(a.document), version: 1, ...s.chain, created_at: s.now, updated_at: s.now },
    ]);
  },
  async update(a, s) {
    await s.update(DISTRICT_POLICIES, a.id, a.version, { document: JSON.stringify(a.document), ...s.chain, updated_at: s.now });
  },
};
