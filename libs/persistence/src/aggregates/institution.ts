import { Institution } from '@bedlink/domain';
import { AggregateAdapter, Row } from './adapter';
import { insertRows, table } from './table';

const INSTITUTIONS = table('institutions', [
  'id',
  'code',
  'name',
  'type',
  'district_id',
  'address',
  'lat',
  'lng',
  'services',
  'version',
  'chain_seq',
  'chain_hash',
  'created_at',
  'updated_at',
]);

export function rowToInstitution(i: Row): Institution {
  return Institution.rehydrate(
    { id: i.id, code: i.code, name: i.name, type: i.type, districtId: i.district_id, address: i.address, lat: i.lat, lng: i.lng, services: i.services },
    i.version,
  );
}

export const institutionAdapter: AggregateAdapter<Institution> = {
  table: INSTITUTIONS,
  tables: [INSTITUTIONS],
  notFound: { code: 'INSTITUTION_NOT_FOUND', what: 'institution' },
  // read, not locked: commands only look at an institution, none changes it
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
        version: 1,
        ...s.chain,
        created_at: s.now,
        updated_at: s.now,
      },
    ]);
  },
  // institutions change through registry commands added with the registry
  async update() {},
};
