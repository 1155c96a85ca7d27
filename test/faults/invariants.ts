/**
 * The state invariants the fault suite ends with, as queries that return the offending rows (none when
 * the invariant holds). Each one looks ACROSS rows, where a race would leave its trace: the primary keys
 * cannot forbid any of these, and test/fault-invariants.e2e-spec.ts plants each violation in a scratch
 * database (its backstop index dropped where there is one) to show the query finds it.
 */
export interface InvariantQuery {
  name: string;
  /** What a returned row means. */
  violation: string;
  sql: string;
}

const LIVE = `('DRAFT','SUBMITTED','OFFERED','ACCEPTED','IN_TRANSFER','ESCALATED')`;

export const INVARIANT_QUERIES: InvariantQuery[] = [
  {
    name: 'one live hold per bed',
    violation: 'two HELD reservations (two rows) on one bed',
    sql: `SELECT bed_id, count(*)::int AS holds FROM reservations WHERE state = 'HELD' AND bed_id IS NOT NULL GROUP BY bed_id HAVING count(*) > 1`,
  },
  {
    name: 'no hold on a bed that is not available',
    violation: 'a HELD reservation on a bed that is occupied, closed or cleaning',
    sql: `SELECT x.id, x.bed_id, b.status FROM reservations x JOIN beds b ON b.id = x.bed_id WHERE x.state = 'HELD' AND b.status <> 'U'`,
  },
  {
    name: 'one bed per occupant',
    violation: 'one patient lying in two beds',
    sql: `SELECT occupant_patient_id, count(*)::int AS beds FROM beds WHERE occupant_patient_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1`,
  },
  {
    name: 'no programme over capacity',
    violation: 'live holds plus active enrolments of a home programme above its declared capacity',
    sql: `SELECT p.id, p.capacity, h.n + e.n AS used FROM home_programmes p
            CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM reservations x WHERE x.programme_id = p.id AND x.state = 'HELD') h
            CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM enrolments y WHERE y.programme_id = p.id AND y.ended_at IS NULL) e
          WHERE h.n + e.n > p.capacity`,
  },
  {
    name: 'one active enrolment per patient',
    violation: 'one patient on two home programmes of one kind at once',
    // two-bed integration: a home sickbed and a home elderly-care place together are allowed, two of one kind are not
    sql: `SELECT patient_id, kind, count(*)::int AS n FROM enrolments WHERE ended_at IS NULL GROUP BY patient_id, kind HAVING count(*) > 1`,
  },
  {
    name: 'a lifecycle completes once',
    violation: 'a referral completed twice: two ReferralCompleted events, or two consumed reservations',
    sql: `SELECT aggregate_id AS referral_id, 'events' AS trace FROM outbox WHERE event_type = 'ReferralCompleted' GROUP BY aggregate_id HAVING count(*) > 1
          UNION ALL
          SELECT referral_id, 'reservations' FROM reservations WHERE state = 'CONSUMED' GROUP BY referral_id HAVING count(*) > 1`,
  },
  {
    name: 'one live referral per patient',
    violation: 'two live referrals (two rows) for one patient',
    sql: `SELECT patient_id, count(*)::int AS n FROM referrals WHERE state IN ${LIVE} GROUP BY patient_id HAVING count(*) > 1`,
  },
  {
    name: 'holds agree with the referral state',
    violation: 'an ACCEPTED or IN_TRANSFER referral without exactly one live hold, or another state with one',
    sql: `SELECT r.id, r.state, count(x.id) FILTER (WHERE x.state = 'HELD')::int AS held FROM referrals r LEFT JOIN reservations x ON x.referral_id = r.id
          GROUP BY r.id, r.state
          HAVING (r.state IN ('ACCEPTED','IN_TRANSFER') AND count(x.id) FILTER (WHERE x.state = 'HELD') <> 1)
              OR (r.state NOT IN ('ACCEPTED','IN_TRANSFER') AND count(x.id) FILTER (WHERE x.state = 'HELD') <> 0)`,
  },
  {
    name: 'a completed referral placed its patient',
    violation: 'a COMPLETED referral whose consumed bed does not hold its patient',
    sql: `SELECT r.id FROM referrals r JOIN reservations x ON x.referral_id = r.id AND x.state = 'CONSUMED' LEFT JOIN beds b ON b.id = x.bed_id
          WHERE r.state = 'COMPLETED' AND x.bed_id IS NOT NULL AND b.occupant_patient_id IS DISTINCT FROM r.patient_id`,
  },
];

/** Every violated invariant with (up to five of) its rows; empty when all hold. */
export async function violations(query: (sql: string) => Promise<unknown[]>): Promise<Record<string, unknown[]>> {
  const found: Record<string, unknown[]> = {};
  for (const q of INVARIANT_QUERIES) {
    const rows = await query(q.sql);
    if (rows.length) found[q.name] = rows.slice(0, 5);
  }
  return found;
}
