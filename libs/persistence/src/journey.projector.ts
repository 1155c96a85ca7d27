import { EntityManager } from 'typeorm';

export const JOURNEY_EVENTS = ['TransferStarted', 'PatientAdmitted'] as const;

/**
 * The patient journey read model: one row per move (the referral that moved the patient), filled
 * by two events that each set their own columns, so the result is the same in any delivery
 * order. Stays are read off consecutive moves (see journeyOf).
 */
export async function applyJourney(em: EntityManager, type: string, p: Record<string, any>, occurredAt: string | Date): Promise<void> {
  if (type === 'TransferStarted') {
    await em.query(
      `INSERT INTO patient_movements (referral_id, patient_id, origin_kind, origin_institution_id, origin_bed_id, started_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (referral_id) DO UPDATE SET origin_kind = EXCLUDED.origin_kind, origin_institution_id = EXCLUDED.origin_institution_id, origin_bed_id = EXCLUDED.origin_bed_id, started_at = EXCLUDED.started_at`,
      [p.referralId, p.patientId, p.originKind, p.originInstitutionId, p.originBedId ?? null, occurredAt],
    );
  } else if (type === 'PatientAdmitted') {
    await em.query(
      `INSERT INTO patient_movements (referral_id, patient_id, origin_kind, origin_institution_id, target_kind, target_institution_id, target_bed_id, target_programme_id, admitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (referral_id) DO UPDATE SET target_kind = EXCLUDED.target_kind, target_institution_id = EXCLUDED.target_institution_id, target_bed_id = EXCLUDED.target_bed_id,
         target_programme_id = EXCLUDED.target_programme_id, admitted_at = EXCLUDED.admitted_at,
         origin_kind = coalesce(patient_movements.origin_kind, EXCLUDED.origin_kind), origin_institution_id = coalesce(patient_movements.origin_institution_id, EXCLUDED.origin_institution_id)`,
      [p.referralId, p.patientId, p.originKind, p.originInstitutionId, p.kind, p.institutionId, p.bedId ?? null, p.programmeId ?? null, occurredAt],
    );
  }
}

export interface Stay {
  seq: number;
  kind: string;
  institutionId: string;
  bedId: string | null;
  programmeId: string | null;
  from: string | null;
  to: string | null;
  /** The referral that brought the patient here (null for where the record starts). */
  referralId: string | null;
}

/**
 * Stays in order: where the first recorded move started, then the target of every completed
 * move, each ending when the next move set off.
 */
export async function journeyOf(em: EntityManager, patientId: string): Promise<Stay[]> {
  const moves: any[] = await em.query(`SELECT * FROM patient_movements WHERE patient_id = $1 AND admitted_at IS NOT NULL ORDER BY admitted_at, referral_id`, [
    patientId,
  ]);
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  const stays: Stay[] = [];
  if (moves.length) {
    const m = moves[0];
    stays.push({
      seq: 1,
      kind: m.origin_kind,
      institutionId: m.origin_institution_id,
      bedId: m.origin_bed_id,
      programmeId: null,
      from: null,
      to: iso(m.started_at ?? m.admitted_at),
      referralId: null,
    });
  }
  moves.forEach((m, i) => {
    const next = moves[i + 1];
    stays.push({
      seq: stays.length + 1,
      kind: m.target_kind,
      institutionId: m.target_institution_id,
      bedId: m.target_bed_id,
      programmeId: m.target_programme_id,
      from: iso(m.admitted_at),
      to: next ? iso(next.started_at ?? next.admitted_at) : null,
      referralId: m.referral_id,
    });
  });
  return stays;
}

/** Rebuilds the journey read model from the audit log. */
export async function rebuildJourney(em: EntityManager): Promise<number> {
  await em.query(`DELETE FROM patient_movements`);
  await em.query(`DELETE FROM inbox WHERE consumer = 'journey'`);
  const rows: any[] = await em.query(`SELECT event_type, payload, occurred_at FROM audit_log WHERE event_type = ANY($1) ORDER BY seq`, [JOURNEY_EVENTS]);
  for (const r of rows) await applyJourney(em, r.event_type, r.payload, r.occurred_at);
  await em.query(`INSERT INTO inbox (consumer, event_id) SELECT 'journey', event_id FROM audit_log WHERE event_type = ANY($1) ON CONFLICT DO NOTHING`, [
    JOURNEY_EVENTS,
  ]);
  return rows.length;
}
