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
  'services',
  'valid_from',
  'valid_until',
  'version',
  'chain_seq',
  'chain_hash',
  'created_at',
  'updated_at',
]);

/** A date column as YYYY-MM-DD (the driver may hand back a Date at local midnight). */
const day = (v: unknown): string =>
  typeof v === 'string'
    ? v.slice(0, 10)
    : `${(v as Date).getFullYear()}-${String((v as Date).getMonth() + 1).padStart(2, '0')}-${String((v as Date).getDate()).padStart(2, '0')}`;

export function rowToAgreementProps(a: Row): AgreementProps {
  return {
    id: a.id,
    districtId: a.district_id,
    fromInstitutionId: a.from_institution_id,
    toInstitutionId: a.to_institution_id,
    kinds: a.kinds ?? [],
    directions: a.directions ?? [],
    services: a.services ?? [],
    validFrom: a.valid_from ? day(a.valid_from) : null,
    validUntil: a.valid_until ? day(a.valid_until) : null,
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
        services: p.services ?? [],
        valid_from: p.validFrom ?? null,
        valid_until: p.validUntil ?? null,
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
