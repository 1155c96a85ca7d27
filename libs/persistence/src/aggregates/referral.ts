import { Candidate, Offer, Preferences, Referral, ReferralDocument, Reservation, Transport, URGENCY_PRIORITY, Urgency, WaitingEntry } from '@bedlink/domain';
import { AggregateAdapter, d, Row, writeChildren } from './adapter';
import { insertRows, table, Values } from './table';

const REFERRALS = table(
  'referrals',
  [
    'id',
    'patient_id',
    'district_id',
    'origin_institution_id',
    'origin_bed_id',
    'origin_kind',
    'requested_kind',
    'direction',
    'services',
    'urgency',
    'strategy',
    'fanout',
    'clinical_summary',
    'care_level',
    'consent',
    'expected_arrival',
    'state',
    'state_reason',
    'candidates',
    'candidate_cursor',
    'created_by',
    'version',
    'chain_seq',
    'chain_hash',
    'created_at',
    'updated_at',
    'dispatch',
    'preferences',
    'transport',
  ],
  [
    'state',
    'state_reason',
    'strategy',
    'candidates',
    'candidate_cursor',
    'chain_seq',
    'chain_hash',
    'updated_at',
    'care_level',
    'preferences',
    'transport',
    'expected_arrival',
  ],
);
const OFFERS = table('offers', [
  'id',
  'referral_id',
  'target_institution_id',
  'target_bed_id',
  'target_programme_id',
  'state',
  'rank',
  'deadline_at',
  'created_at',
  'viewed_at',
  'viewed_by',
  'answered_at',
  'answered_by',
  'decline_reason',
  'declined_by',
  'decline_text',
  'paused_at',
  'remaining_ms',
  'paused_ms',
]);
const OFFERS_CHANGE = [
  'state',
  'viewed_at',
  'viewed_by',
  'answered_at',
  'answered_by',
  'decline_reason',
  'declined_by',
  'decline_text',
  'deadline_at',
  'paused_at',
  'remaining_ms',
  'paused_ms',
] as const satisfies readonly (typeof OFFERS.columns)[number][];
const RESERVATIONS = table('reservations', [
  'id',
  'referral_id',
  'offer_id',
  'institution_id',
  'bed_id',
  'programme_id',
  'state',
  'expires_at',
  'created_at',
  'ended_at',
]);
const DOCUMENTS = table('referral_documents', [
  'id',
  'referral_id',
  'filename',
  'media_type',
  'size',
  'sha256',
  'storage',
  'blob_key',
  'description',
  'uploaded_by',
  'uploaded_at',
]);
const RESERVATIONS_CHANGE = ['state', 'ended_at', 'expires_at'] as const satisfies readonly (typeof RESERVATIONS.columns)[number][];
/** seq (the list order) is the database's: an identity column, never written. */
const WAITING = table('waiting_list_entries', [
  'id',
  'referral_id',
  'institution_id',
  'state',
  'added_at',
  'added_by',
  'offer_id',
  'bed_id',
  'offered_at',
  'ended_at',
  'end_reason',
]);
const WAITING_CHANGE = ['state', 'offer_id', 'bed_id', 'offered_at', 'ended_at', 'end_reason'] as const satisfies readonly (typeof WAITING.columns)[number][];

/** JSON documents come back with ISO strings: dates become Dates again. */
function preferencesOf(j: any): Preferences | null {
  return j ? { ...j, recordedAt: d(j.recordedAt)! } : null;
}
function transportOf(j: any): Transport | null {
  if (!j) return null;
  return {
    ...j,
    pickupAt: d(j.pickupAt)!,
    expectedArrivalAt: d(j.expectedArrivalAt)!,
    pickupWindowEndsAt: d(j.pickupWindowEndsAt)!,
    arrangedAt: d(j.arrangedAt)!,
    noShowAt: d(j.noShowAt),
    closedAt: d(j.closedAt),
  };
}
export function rowToWaitingEntry(w: Row): WaitingEntry {
  return {
    id: w.id,
    institutionId: w.institution_id,
    state: w.state,
    addedAt: d(w.added_at)!,
    addedBy: w.added_by,
    offerId: w.offer_id,
    bedId: w.bed_id,
    offeredAt: d(w.offered_at),
    endedAt: d(w.ended_at),
    endReason: w.end_reason,
  };
}

export function rowToOffer(o: Row): Offer {
  return {
    id: o.id,
    targetInstitutionId: o.target_institution_id,
    targetBedId: o.target_bed_id,
    targetProgrammeId: o.target_programme_id,
    state: o.state,
    rank: o.rank,
    deadlineAt: d(o.deadline_at),
    createdAt: d(o.created_at)!,
    viewedAt: d(o.viewed_at),
    viewedBy: o.viewed_by,
    answeredAt: d(o.answered_at),
    answeredBy: o.answered_by,
    declineReason: o.decline_reason,
    declinedBy: o.declined_by,
    declineText: o.decline_text,
    pausedAt: d(o.paused_at),
    remainingMs: o.remaining_ms === null || o.remaining_ms === undefined ? null : Number(o.remaining_ms),
    pausedMs: Number(o.paused_ms ?? 0),
  };
}

export function rowToDocument(x: Row): ReferralDocument {
  return {
    id: x.id,
    filename: x.filename,
    mediaType: x.media_type,
    size: Number(x.size),
    sha256: x.sha256,
    storage: x.storage,
    blobKey: x.blob_key,
    description: x.description ?? null,
    uploadedBy: x.uploaded_by,
    uploadedAt: d(x.uploaded_at)!,
  };
}

export function rowToReservation(x: Row): Reservation {
  return {
    id: x.id,
    offerId: x.offer_id,
    institutionId: x.institution_id,
    bedId: x.bed_id,
    programmeId: x.programme_id,
    state: x.state,
    expiresAt: d(x.expires_at)!,
    createdAt: d(x.created_at)!,
    endedAt: d(x.ended_at),
  };
}

export function rowToReferral(r: Row): Referral {
  return Referral.rehydrate(
    {
      id: r.id,
      patientId: r.patient_id,
      districtId: r.district_id,
      originInstitutionId: r.origin_institution_id,
      originBedId: r.origin_bed_id,
      originKind: r.origin_kind,
      requestedKind: r.requested_kind,
      direction: r.direction,
      services: r.services,
      urgency: r.urgency,
      strategy: r.strategy,
      fanout: r.fanout,
      clinicalSummary: r.clinical_summary,
      careLevel: r.care_level,
      consent: r.consent,
      expectedArrival: d(r.expected_arrival),
      state: r.state,
      stateReason: r.state_reason,
      offers: (r.offers ?? []).map(rowToOffer),
      reservations: (r.reservations ?? []).map(rowToReservation),
      candidates: (r.candidates ?? []) as Candidate[],
      candidateCursor: r.candidate_cursor,
      createdBy: r.created_by,
      createdAt: d(r.created_at)!,
      updatedAt: d(r.updated_at)!,
      dispatch: r.dispatch ?? 'MANUAL',
      preferences: preferencesOf(r.preferences),
      transport: transportOf(r.transport),
      waiting: (r.waiting ?? []).map(rowToWaitingEntry),
      documents: (r.documents ?? []).map(rowToDocument),
    },
    r.version,
  );
}

/** Child rows as the unit of work writes them (the reverse of rowToOffer and the others). */
const offerRow = (o: Offer, referralId: string): Values<typeof OFFERS> => ({
  id: o.id,
  referral_id: referralId,
  target_institution_id: o.targetInstitutionId,
  target_bed_id: o.targetBedId,
  target_programme_id: o.targetProgrammeId,
  state: o.state,
  rank: o.rank,
  deadline_at: o.deadlineAt,
  created_at: o.createdAt,
  viewed_at: o.viewedAt,
  viewed_by: o.viewedBy,
  answered_at: o.answeredAt,
  answered_by: o.answeredBy,
  decline_reason: o.declineReason,
  declined_by: o.declinedBy,
  decline_text: o.declineText,
  paused_at: o.pausedAt ?? null,
  remaining_ms: o.remainingMs ?? null,
  paused_ms: o.pausedMs ?? 0,
});
const reservationRow = (x: Reservation, referralId: string): Values<typeof RESERVATIONS> => ({
  id: x.id,
  referral_id: referralId,
  offer_id: x.offerId,
  institution_id: x.institutionId,
  bed_id: x.bedId,
  programme_id: x.programmeId,
  state: x.state,
  expires_at: x.expiresAt,
  created_at: x.createdAt,
  ended_at: x.endedAt,
});
const waitingRow = (w: WaitingEntry, referralId: string): Values<typeof WAITING> => ({
  id: w.id,
  referral_id: referralId,
  institution_id: w.institutionId,
  state: w.state,
  added_at: w.addedAt,
  added_by: w.addedBy,
  offer_id: w.offerId,
  bed_id: w.bedId,
  offered_at: w.offeredAt,
  ended_at: w.endedAt,
  end_reason: w.endReason,
});
const documentRow = (f: ReferralDocument, referralId: string): Values<typeof DOCUMENTS> => ({
  id: f.id,
  referral_id: referralId,
  filename: f.filename,
  media_type: f.mediaType,
  size: f.size,
  sha256: f.sha256,
  storage: f.storage,
  blob_key: f.blobKey,
  description: f.description,
  uploaded_by: f.uploadedBy,
  uploaded_at: f.uploadedAt,
});

export const referralAdapter: AggregateAdapter<Referral> = {
  table: REFERRALS,
  tables: [REFERRALS, OFFERS, RESERVATIONS, WAITING, DOCUMENTS],
  notFound: { code: 'REFERRAL_NOT_FOUND', what: 'referral' },
  lock: true,
  children: 'bedlink_referral_children',
  fromRow: (row) => rowToReferral(row),
  childEntities: (r) => [...r.props.offers, ...r.props.reservations, ...r.waitingEntries, ...r.documents],
  async insert(r, s) {
    const p = r.props;
    await insertRows(s.q, REFERRALS, [
      {
        id: p.id,
        patient_id: p.patientId,
        district_id: p.districtId,
        origin_institution_id: p.originInstitutionId,
        origin_bed_id: p.originBedId,
        origin_kind: p.originKind,
        requested_kind: p.requestedKind,
        direction: p.direction,
        services: p.services,
        urgency: p.urgency,
        strategy: p.strategy,
        fanout: p.fanout,
        clinical_summary: p.clinicalSummary,
        care_level: p.careLevel,
        consent: p.consent,
        expected_arrival: p.expectedArrival,
        state: p.state,
        state_reason: p.stateReason,
        candidates: JSON.stringify(p.candidates),
        candidate_cursor: p.candidateCursor,
        created_by: p.createdBy,
        version: 1,
        ...s.chain,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
        dispatch: p.dispatch ?? 'MANUAL',
        preferences: p.preferences ? JSON.stringify(p.preferences) : null,
        transport: p.transport ? JSON.stringify(p.transport) : null,
      },
    ]);
  },
  async update(r, s) {
    const p = r.props;
    await s.update(REFERRALS, p.id, r.version, {
      state: p.state,
      state_reason: p.stateReason,
      strategy: p.strategy,
      candidates: JSON.stringify(p.candidates),
      candidate_cursor: p.candidateCursor,
      ...s.chain,
      updated_at: p.updatedAt,
      care_level: p.careLevel,
      preferences: p.preferences ? JSON.stringify(p.preferences) : null,
      transport: p.transport ? JSON.stringify(p.transport) : null,
      expected_arrival: p.expectedArrival,
    });
  },
  async saveChildren(r, s) {
    const id = r.props.id;
    await writeChildren(s, OFFERS, r.props.offers, (o) => offerRow(o, id), OFFERS_CHANGE);
    // after the offers: a reservation references its offer, a list entry the offer made from the list
    await writeChildren(s, RESERVATIONS, r.props.reservations, (x) => reservationRow(x, id), RESERVATIONS_CHANGE);
    await writeChildren(s, WAITING, r.waitingEntries, (w) => waitingRow(w, id), WAITING_CHANGE);
    // documents are only ever added (the primary key refuses a second attach of one id)
    await writeChildren(s, DOCUMENTS, r.documents, (f) => documentRow(f, id));
  },
  priority: (r) => URGENCY_PRIORITY[r.props.urgency as Urgency],
};
