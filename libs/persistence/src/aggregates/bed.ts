import { Bed, BedProps } from '@bedlink/domain';
import { AggregateAdapter, d, Row } from './adapter';
import { insertRows, table } from './table';

const BEDS = table(
  'beds',
  [
    'id',
    'institution_id',
    'district_id',
    'kind',
    'ward',
    'label',
    'status',
    'occupant_patient_id',
    'services',
    'sex_restriction',
    'min_care_level',
    'max_care_level',
    'isolation_capable',
    'basic_guarantee',
    'version',
    'chain_seq',
    'chain_hash',
    'created_at',
    'updated_at',
  ],
  ['status', 'occupant_patient_id', 'chain_seq', 'chain_hash', 'updated_at', 'return_hold_patient_id', 'return_hold_until', 'reserve', 'reserve_open'],
);

export function rowToBed(b: Row): Bed {
  const props: BedProps = {
    id: b.id,
    institutionId: b.institution_id,
    districtId: b.district_id,
    kind: b.kind,
    ward: b.ward,
    label: b.label,
    status: b.status,
    occupantPatientId: b.occupant_patient_id,
    liveReservationId: b.live_reservation_id ?? null,
    services: b.services,
    sexRestriction: b.sex_restriction,
    minCareLevel: b.min_care_level,
    maxCareLevel: b.max_care_level,
    isolationCapable: b.isolation_capable,
    basicGuarantee: b.basic_guarantee ?? false,
    returnHold: b.return_hold_patient_id ? { patientId: b.return_hold_patient_id, until: d(b.return_hold_until)! } : null,
    reserve: !!b.reserve,
    reserveOpen: !!b.reserve_open,
  };
  return Bed.rehydrate(props, b.version);
}

export const bedAdapter: AggregateAdapter<Bed> = {
  table: BEDS,
  tables: [BEDS],
  notFound: { code: 'BED_NOT_FOUND', what: 'bed' },
  lock: true,
  // The live reservation is read after the bed is locked, or a command that waited on the bed
  // sees the hold it waited for as absent.
  children: 'bedlink_bed_children',
  fromRow: (row) => rowToBed(row),
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, BEDS, [
      {
        id: p.id,
        institution_id: p.institutionId,
        district_id: p.districtId,
        kind: p.kind,
        ward: p.ward,
        label: p.label,
        status: p.status,
        occupant_patient_id: p.occupantPatientId,
        services: p.services,
        sex_restriction: p.sexRestriction,
        min_care_level: p.minCareLevel,
        max_care_level: p.maxCareLevel,
        isolation_capable: p.isolationCapable,
        basic_guarantee: p.basicGuarantee ?? false,
        version: 1,
        ...s.chain,
        created_at: s.now,
        updated_at: s.now,
      },
    ]);
  },
  async update(a, s) {
    const p = a.props;
    await s.update(BEDS, p.id, a.version, {
      status: p.status,
      occupant_patient_id: p.occupantPatientId,
      ...s.chain,
      updated_at: s.now,
      return_hold_patient_id: p.returnHold?.patientId ?? null,
      return_hold_until: p.returnHold?.until ?? null,
      reserve: !!p.reserve,
      reserve_open: !!p.reserveOpen,
    });
  },
};
