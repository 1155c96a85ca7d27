import { Institution } from '@bedlink/domain';
import { AggregateAdapter, Row } from './adapter';
import { insertRows, table } from './table';

const INSTITUTIONS = table(
  'institutions',
  [
    'id',
    'code',
    'name',
    'type',
    'district_id',
    'address',
    'lat',
    'lng',
    'services',
    'ownership',
    'version',
    'chain_seq',
    'chain_hash',
    'created_at',
    'updated_at',
  ],
  ['name', 'address', 'lat', 'lng', 'services', 'ownership', 'chain_seq', 'chain_hash', 'updated_at'],
);

export function rowToInstitution(i: Row): Institution {
  return Institution.rehydrate(
    {
      id: i.id,
      code: i.code,
      name: i.name,
      type: i.type,
      districtId: i.district_id,
      address: i.address,
      lat: i.lat,
      lng: i.lng,
      services: i.services,
      ownership: i.ownership ?? null,
    },
    i.version,
  );
}

export const institutionAdapter: AggregateAdapter<Institution> = {
  table: INSTITUTIONS,
  tables: [INSTITUTIONS],
  notFound: { code: 'INSTITUTION_NOT_FOUND', what: 'institution' },
  // read, not locked: commands only look at an institution; UpdateInstitution, the one change, is
  // guarded by the version check of its UPDATE (a concurrent change retries the command)
  lock: false,
  fromRow: (row) => rowToInstitution(row),
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, INSTITUTIONS, [
      {
        id: p.id,
        code: p.code,
        name: p.name,
        type: p.type,
        district_id: p.districtId,
        address: p.address,
        lat: p.lat,
        lng: p.lng,
        services: p.services,
        ownership: p.ownership ?? null,
        version: 1,
        ...s.chain,
        created_at: s.now,
        updated_at: s.now,
      },
    ]);
  },
  async update(a, s) {
    const p = a.props;
    await s.update(INSTITUTIONS, a.id, a.version, {
      name: p.name,
      address: p.address,
      lat: p.lat,
      lng: p.lng,
      services: p.services,
      ownership: p.ownership ?? null,
      ...s.chain,
      updated_at: s.now,
    });
  },
};
