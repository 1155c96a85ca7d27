import { Agreement, AgreementProps, Bed, BedProps, Candidate, Enrolment, Institution, Offer, Patient, Programme, Referral, Reservation } from '@bedlink/domain';
import { PiiCipher } from './pii-cipher';

type Row = Record<string, any>;
const d = (v: Date | string | number | null | undefined): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

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
    },
    r.version,
  );
}

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
  };
  return Bed.rehydrate(props, b.version);
}

export function rowToInstitution(i: Row): Institution {
  return Institution.rehydrate(
    { id: i.id, code: i.code, name: i.name, type: i.type, districtId: i.district_id, address: i.address, lat: i.lat, lng: i.lng, services: i.services },
    i.version,
  );
}

export function rowToPatient(p: Row, cipher: PiiCipher): Patient {
  return Patient.rehydrate(
    {
      id: p.id,
      residentId: cipher.decrypt(p.resident_id_enc),
      name: cipher.decrypt(p.name_enc),
      phone: p.phone_enc ? cipher.decrypt(p.phone_enc) : null,
      sex: p.sex,
      birthDate: typeof p.birth_date === 'string' ? p.birth_date : (p.birth_date as Date).toISOString().slice(0, 10),
      registeredBy: p.registered_by_institution,
      assessment: p.assessment,
      hardship: p.hardship,
      familyDoctorInstitutionId: p.family_doctor_institution_id ?? null,
    },
    p.version,
  );
}

export function rowToProgramme(p: Row, enrolments: Row[]): Programme {
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
      enrolments: enrolments.map(
        (e): Enrolment => ({ id: e.id, patientId: e.patient_id, referralId: e.referral_id, startedAt: d(e.started_at)!, endedAt: d(e.ended_at), endedByReferralId: e.ended_by_referral_id }),
      ),
    },
    p.version,
  );
}

export function rowToAgreementProps(a: Row): AgreementProps {
  return { id: a.id, districtId: a.district_id, fromInstitutionId: a.from_institution_id, toInstitutionId: a.to_institution_id, kinds: a.kinds ?? [], directions: a.directions ?? [] };
}

export function rowToAgreement(a: Row): Agreement {
  return Agreement.rehydrate(rowToAgreementProps(a), a.version);
}
