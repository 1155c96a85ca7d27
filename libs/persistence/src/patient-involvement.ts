type Query = (sql: string, params: unknown[]) => Promise<any[]>;

/**
 * Institutions with a say over a patient: the registering one, the origins and the offered targets
 * of its referrals; and the district of the registering institution. Empty for an unknown patient
 * (every registered patient has a registering institution).
 */
export async function patientInvolvement(query: Query, patientId: string): Promise<{ institutions: string[]; districtId: string | null }> {
  const rows = await query(
    `SELECT p.registered_by_institution AS i FROM patients p WHERE p.id = $1
     UNION SELECT origin_institution_id FROM referrals WHERE patient_id = $1
     UNION SELECT o.target_institution_id FROM offers o JOIN referrals r ON r.id = o.referral_id WHERE r.patient_id = $1`,
    [patientId],
  );
  const d = await query(`SELECT i.district_id FROM patients p JOIN institutions i ON i.id = p.registered_by_institution WHERE p.id = $1`, [patientId]);
  return { institutions: rows.map((r: { i: string }) => r.i), districtId: d[0]?.district_id ?? null };
}
