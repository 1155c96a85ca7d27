/**
 * How a stay ends without a referral (DOMAIN.md "Stays: how they begin and end"). A stay that ends
 * through the next referral's transfer is StartTransfer's business, not one of these.
 */
export const STAY_END_REASONS = ['DISCHARGED_HOME', 'DECEASED', 'TRANSFERRED_OUT_OF_NETWORK', 'LEFT_AGAINST_ADVICE', 'ENROLMENT_ENDED'] as const;
export type StayEndReason = (typeof STAY_END_REASONS)[number];

/**
 * Reasons after which the network no longer cares for the patient at all: every live referral
 * of theirs is cancelled and any bed held for their return is released, wherever it is.
 * After the others (home, against advice) the patient may come back, so only this stay ends.
 */
export const LEAVES_NETWORK: readonly StayEndReason[] = ['DECEASED', 'TRANSFERRED_OUT_OF_NETWORK'];

/** What the institution ending a stay states, and what the family doctor's centre must be told. */
export interface StayEnd {
  patientId: string;
  reason: StayEndReason;
  /** The community centre of the patient's family-doctor contract: told of the end (event `involved`). */
  familyDoctorInstitutionId: string | null;
  endedBy: string;
}

/** The payload of StayEnded, the same for a bed and a home-programme slot. */
export function stayEndedPayload(
  end: StayEnd,
  where: { institutionId: string; districtId: string; kind: string; bedId: string | null; programmeId: string | null },
): Record<string, unknown> {
  return {
    patientId: end.patientId,
    ...where,
    reason: end.reason,
    familyDoctorInstitutionId: end.familyDoctorInstitutionId,
    involved: end.familyDoctorInstitutionId ? [end.familyDoctorInstitutionId] : [],
    endedBy: end.endedBy,
  };
}
