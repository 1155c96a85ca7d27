type Query = (sql: string, params: unknown[]) => Promise<any[]>;

/**
 * SQL condition: institution `inst` is live-involved in referral `r` (the domain's `liveInvolvement`):
 * its origin, a target with a live or accepted offer, or the holder or receiver of its reservation.
 */
export function liveInvolvementSql(r: string, inst: string): string {
  // One indexed lookup per kind of involvement. As an OR of EXISTS the planner could only test it
  // row by row over every referral: an institution's list took 37 ms on a month of a city and
  // 741 ms on a year (scripts/sim-city.ts at a tenth of the city), growing with the table.
  return `${r}.id IN (SELECT ro.id FROM referrals ro WHERE ro.origin_institution_id = ${inst}
    UNION SELECT lo.referral_id FROM offers lo WHERE lo.target_institution_id = ${inst} AND lo.state IN ('PENDING','VIEWED','ACCEPTED')
    UNION SELECT lx.referral_id FROM reservations lx WHERE lx.institution_id = ${inst} AND lx.state IN ('HELD','CONSUMED'))`;
}

export interface PatientInvolvement {
  /**
   * Every institution with a say over the patient: active care relationships (the family doctor's
   * centre among them: DOMAIN.md lists it as one) and live referral involvement.
   */
  institutions: string[];
  /**
   * Those of them that see and maintain the shared record: care relationships on the shared record
   * (the first registrant, receivers) and the targets and holders of a live referral. An institution
   * that only registered an already-known resident ID is not among them, even as a referral's origin.
   */
  sharedRecord: string[];
  /** The district of the registering institution (district roles act within it). */
  districtId: string | null;
}

/**
 * Who may see and act on a patient (master patient index). Empty for an unknown patient. One statement:
 * the registering institution's district is the last branch (its `district` column; the others leave it
 * NULL and name an institution), not a second round trip on every draft and every patient read.
 */
export async function patientInvolvement(query: Query, patientId: string): Promise<PatientInvolvement> {
  const rows: { i: string | null; shared: boolean; district: string | null }[] = await query(
    `SELECT institution_id AS i, bool_or(shared_record) AS shared, NULL::text AS district FROM care_relationships
        WHERE patient_id = $1 AND ended_at IS NULL GROUP BY institution_id
     UNION ALL SELECT family_doctor_institution_id, true, NULL FROM patients WHERE id = $1 AND family_doctor_institution_id IS NOT NULL
     UNION ALL SELECT r.origin_institution_id, false, NULL FROM referrals r
        WHERE r.patient_id = $1 AND r.state NOT IN ('COMPLETED','FAILED','CANCELLED','REJECTED')
     UNION ALL SELECT o.target_institution_id, true, NULL FROM offers o JOIN referrals r ON r.id = o.referral_id
        WHERE r.patient_id = $1 AND r.state NOT IN ('COMPLETED','FAILED','CANCELLED','REJECTED') AND o.state IN ('PENDING','VIEWED','ACCEPTED')
     UNION ALL SELECT x.institution_id, true, NULL FROM reservations x JOIN referrals r ON r.id = x.referral_id
        WHERE r.patient_id = $1 AND x.state = 'HELD'
     UNION ALL SELECT NULL, false, i.district_id FROM patients p JOIN institutions i ON i.id = p.registered_by_institution WHERE p.id = $1`,
    [patientId],
  );
  const involved = rows.filter((r): r is { i: string; shared: boolean; district: null } => r.i !== null);
  return {
    institutions: [...new Set(involved.map((r) => r.i))],
    sharedRecord: [...new Set(involved.filter((r) => r.shared).map((r) => r.i))],
    districtId: rows.find((r) => r.district !== null)?.district ?? null,
  };
}
