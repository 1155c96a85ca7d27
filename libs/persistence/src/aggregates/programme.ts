import { Enrolment, Programme } from '@bedlink/domain';
import { AggregateAdapter, d, Row, writeChildren } from './adapter';
import { insertRows, table } from './table';

const PROGRAMMES = table(
  'home_programmes',
  [
    'id',
    'institution_id',
    'district_id',
    'kind',
    'name',
    'capacity',
    'area_codes',
    'radius_km',
    'services',
    'min_care_level',
    'max_care_level',
    'version',
    'chain_seq',
    'chain_hash',
    'created_at',
    'updated_at',
  ],
  ['capacity', 'chain_seq', 'chain_hash', 'updated_at'],
);
const ENROLMENTS = table('enrolments', ['id', 'programme_id', 'kind', 'patient_id', 'referral_id', 'started_at', 'ended_at', 'ended_by_referral_id']);

export function rowToProgramme(p: Row, enrolments: Row[] = p.enrolments ?? []): Programme {
  return Programme.rehydrate(
    {
      id: p.id,
      institutionId: p.institution_id,
      districtId: p.district_id,
      kind: p.kind,
      name: p.name,
      capacity: p.capacity,
      serviceArea: { areaCodes: p.area_codes ?? [], radiusKm: p.radius_km ?? null },
      services: p.services ?? [],
      minCareLevel: p.min_care_level,
      maxCareLevel: p.max_care_level,
      liveReservations: Number(p.live_reservations ?? 0),
      enrolments: enrolments.map((e): Enrolment => ({
        id: e.id,
        patientId: e.patient_id,
        referralId: e.referral_id,
        startedAt: d(e.started_at)!,
        endedAt: d(e.ended_at),
        endedByReferralId: e.ended_by_referral_id,
      })),
    },
    p.version,
  );
}

/**
 * Home-programme capacity is a count, not a row, so no unique index can guard it. The loader locks the
 * programme row (FOR UPDATE) and `children` counts live reservations + active enrolments after the lock is
 * granted: every accept/admission into the programme takes the same lock, so they run one at a time per
 * programme, and under READ COMMITTED each statement after the lock sees what the previous holder committed.
 * The count is therefore exact when the domain compares it with capacity. (A counter column would need the
 * same lock; SERIALIZABLE would turn the race into retries of the whole command under load instead of a short
 * queue on one row.) Lock order is referral -> programme everywhere, so two accepts cannot deadlock.
 */
export const programmeAdapter: AggregateAdapter<Programme> = {
  table: PROGRAMMES,
  tables: [PROGRAMMES, ENROLMENTS],
  notFound: { code: 'PROGRAMME_NOT_FOUND', what: 'home programme' },
  lock: true,
  children: 'bedlink_programme_children',
  fromRow: (row) => rowToProgramme(row),
  childEntities: (a) => a.props.enrolments,
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, PROGRAMMES, [
      {
        id: p.id,
        institution_id: p.institutionId,
        district_id: p.districtId,
        kind: p.kind,
        name: p.name,
        capacity: p.capacity,
        area_codes: p.serviceArea.areaCodes,
        radius_km: p.serviceArea.radiusKm,
        services: p.services,
        min_care_level: p.minCareLevel,
        max_care_level: p.maxCareLevel,
        version: 1,
        ...s.chain,
        created_at: s.now,
        updated_at: s.now,
      },
    ]);
  },
  async update(a, s) {
    await s.update(PROGRAMMES, a.id, a.version, { capacity: a.props.capacity, ...s.chain, updated_at: s.now });
  },
  async saveChildren(a, s) {
    await writeChildren(
      s,
      ENROLMENTS,
      a.props.enrolments,
      (e) => ({
        id: e.id,
        programme_id: a.id,
        kind: a.props.kind,
        patient_id: e.patientId,
        referral_id: e.referralId,
        started_at: e.startedAt,
        ended_at: e.endedAt,
        ended_by_referral_id: e.endedByReferralId,
      }),
      ['ended_at', 'ended_by_referral_id'],
    );
  },
};
