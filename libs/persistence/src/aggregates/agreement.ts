import { Agreement, AgreementProps } from '@bedlink/domain';
import { AggregateAdapter, Row } from './adapter';
import { insertRows, table } from './table';

const AGREEMENTS = table('cooperation_agreements', [
  'id',
  'district_id',
  'from_institution_id',
  'to_institution_id',
  'kinds',
  'directions',
  'version',
  'chain_seq',
  'chain_hash',
  'created_at',
  'updated_at',
]);

export function rowToAgreementProps(a: Row): AgreementProps {
  return {
    id: a.id,
    districtId: a.district_id,
    fromInstitutionId: a.from_institution_id,
    toInstitutionId: a.to_institution_id,
    kinds: a.kinds ?? [],
    directions: a.directions ?? [],
  };
}

export function rowToAgreement(a: Row): Agreement {
  return Agreement.rehydrate(rowToAgreementProps(a), a.version);
}

export const agreementAdapter: AggregateAdapter<Agreement> = {
  table: AGREEMENTS,
  tables: [AGREEMENTS],
  notFound: { code: 'NOT_FOUND', what: 'agreement' },
  lock: true,
  fromRow: (row) => rowToAgreement(row),
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, AGREEMENTS, [
      {
        id: p.id,
        district_id: p.districtId,
        from_institution_id: p.fromInstitutionId,
        to_institution_id: p.toInstitutionId,
        kinds: p.kinds,
        directions: p.directions,
        version: 1,
        ...s.chain,
        created_at: s.now,
        updated_at: s.now,
      },
    ]);
  },
  // agreements are added, never changed in place
  async update() {},
};
