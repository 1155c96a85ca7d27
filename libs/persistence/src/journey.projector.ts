import { EntityManager } from 'typeorm';

import { BedKind, isPhysical } from '@bedlink/domain';

export const JOURNEY_EVENTS = ['TransferStarted', 'PatientAdmitted', 'StayEnded', 'StayBegan'] as const;

/** A journey event's one write, its row gated by `gate` (a SQL condition): `true`, or its inbox claim. */
interface JourneyWrite {
  sql: (gate: string) => string;
  params: unknown[];
}

/**
 * The write of each journey event type, as INSERT … SELECT so that it can be gated: the values are cast,
 * as a SELECT list is not coerced to the columns' types the way VALUES is.
 */
function journeyWrite(type: string, p: Record<string, any>, occurredAt: string | Date, eventId?: string): JourneyWrite | null {
  switch (type) {
    case 'StayEnded':
      return {
        sql: (gate) => `INSERT INTO stay_ends (event_id, patient_id, institution_id, kind, bed_id, programme_id, reason, ended_at)
          SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid, $6::uuid, $7::text, $8::timestamptz WHERE ${gate}
          ON CONFLICT (event_id) DO NOTHING`,
        params: [eventId, p.patientId, p.institutionId, p.kind, p.bedId ?? null, p.programmeId ?? null, p.reason, occurredAt],
      };
    case 'StayBegan':
      return {
        sql: (gate) => `INSERT INTO direct_stays (event_id, patient_id, institution_id, kind, bed_id, from_bed_id, via, began_at)
          SELECT $1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid, $6::uuid, $7::text, $8::timestamptz WHERE ${gate}
          ON CONFLICT (event_id) DO NOTHING`,
        params: [eventId, p.patientId, p.institutionId, p.kind, p.bedId, p.fromBedId ?? null, p.via, occurredAt],
      };
    case 'TransferStarted':
      return {
        sql: (gate) => `INSERT INTO patient_movements (referral_id, patient_id, origin_kind, origin_institution_id, origin_bed_id, started_at)
          SELECT $1::uuid, $2::uuid, $3::text, $4::uuid, $5::uuid, $6::timestamptz WHERE ${gate}
          ON CONFLICT (referral_id) DO UPDATE SET origin_kind = EXCLUDED.origin_kind, origin_institution_id = EXCLUDED.origin_institution_id, origin_bed_id = EXCLUDED.origin_bed_id, started_at = EXCLUDED.started_at`,
        params: [p.referralId, p.patientId, p.originKind, p.originInstitutionId, p.originBedId ?? null, occurredAt],
      };
    case 'PatientAdmitted':
      return {
        sql: (
          gate,
        ) => `INSERT INTO patient_movements (referral_id, patient_id, origin_kind, origin_institution_id, target_kind, target_institution_id, target_bed_id, target_programme_id, admitted_at)
          SELECT $1::uuid, $2::uuid, $3::text, $4::uuid, $5::text, $6::uuid, $7::uuid, $8::uuid, $9::timestamptz WHERE ${gate}
          ON CONFLICT (referral_id) DO UPDATE SET target_kind = EXCLUDED.target_kind, target_institution_id = EXCLUDED.target_institution_id, target_bed_id = EXCLUDED.target_bed_id,
            target_programme_id = EXCLUDED.target_programme_id, admitted_at = EXCLUDED.admitted_at,
            origin_kind = coalesce(patient_movements.origin_kind, EXCLUDED.origin_kind), origin_institution_id = coalesce(patient_movements.origin_institution_id, EXCLUDED.origin_institution_id)`,
        params: [p.referralId, p.patientId, p.originKind, p.originInstitutionId, p.kind, p.institutionId, p.bedId ?? null, p.programmeId ?? null, occurredAt],
      };
    default:
      return null;
  }
}

/**
 * The patient journey read model: one row per move (the referral that moved the patient), filled
 * by two events that each set their own columns, so the result is the same in any delivery
 * order. Stays are read off consecutive moves (see journeyOf).
 *
 * With `inbox` (a consumer's name) the event's inbox row is claimed in the same statement and the
 * write happens only if the claim is new: one statement, atomic on its own, where a transaction of
 * BEGIN, the inbox row, the write and COMMIT took four round trips. Returns whether it applied.
 */
export async function applyJourney(
  em: Pick<EntityManager, 'query'>,
  type: string,
  p: Record<string, any>,
  occurredAt: string | Date,
  eventId?: string,
  inbox?: string,
): Promise<boolean> {
  const write = journeyWrite(type, p, occurredAt, eventId);
  if (!inbox) {
    if (write) await em.query(write.sql('true'), write.params);
    return true;
  }
  if (!eventId) throw new Error('an inbox claim needs the event id');
  const n = write?.params.length ?? 0;
  const claim = `fresh AS (INSERT INTO inbox (consumer, event_id) VALUES ($${n + 1}, $${n + 2}::uuid) ON CONFLICT DO NOTHING RETURNING 1)`;
  // a data-modifying WITH runs whether or not the outer query reads it
  const sql = write
    ? `WITH ${claim}, applied AS (${write.sql('EXISTS (SELECT 1 FROM fresh)')}) SELECT count(*)::int AS n FROM fresh`
    : `WITH ${claim} SELECT count(*)::int AS n FROM fresh`;
  const [{ n: fresh }] = (await em.query(sql, [...(write?.params ?? []), inbox, eventId])) as { n: number }[];
  return fresh > 0;
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
  /** Why the stay ended when it ended without a referral (EndStay: DECEASED, DISCHARGED_HOME, ...). */
  endReason?: string;
  /** How a stay began without a referral: DIRECT_ADMISSION (ADT^A01), WARD_TRANSFER (ADT^A02). */
  via?: string;
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
  const direct: any[] = await em.query(`SELECT * FROM direct_stays WHERE patient_id = $1 ORDER BY began_at, event_id`, [patientId]);
  return closeEndedStays(
    withDirectStays(stays, direct, moves),
    await em.query(`SELECT * FROM stay_ends WHERE patient_id = $1 ORDER BY ended_at, event_id`, [patientId]),
  );
}

/**
 * Stays that began without a referral (StayBegan: ADT^A01 direct admission, ADT^A02 move within the
 * institution) join the referral stays. A patient lies in one physical bed at a time, so a direct
 * stay ends when the next stay begins (another direct one, or a referral's transfer setting off), and
 * it ends the physical stay it follows. The first referral's origin stay, which the engine only knew
 * from the referral, is the direct stay itself when one was recorded there: it is not shown twice.
 */
function withDirectStays(stays: Stay[], direct: any[], moves: any[]): Stay[] {
  if (!direct.length) return stays;
  const iso = (v: unknown) => new Date(v as string).toISOString();
  const starts = [...direct.map((d) => iso(d.began_at)), ...moves.map((m) => iso(m.started_at ?? m.admitted_at))].sort();
  const added: Stay[] = direct.map((d) => {
    const from = iso(d.began_at);
    return {
      seq: 0,
      kind: d.kind,
      institutionId: d.institution_id,
      bedId: d.bed_id,
      programmeId: null,
      from,
      to: starts.find((t) => t > from) ?? null,
      referralId: null,
      via: d.via,
    };
  });
  const out = stays.filter((s) => {
    // the origin stay read off the first referral, when a direct stay at that institution already covers it
    if (s.referralId !== null || s.from !== null) return true;
    return !added.some((a) => a.institutionId === s.institutionId && a.from! <= (s.to ?? a.from!) && (a.to === null || a.to >= (s.to ?? '')));
  });
  // a referral stay in a physical bed ends when a later direct stay begins (the patient moved or was readmitted elsewhere)
  for (const s of out) {
    if (!isPhysical(s.kind as BedKind)) continue;
    const next = added.find((a) => a.from! > (s.from ?? '') && (s.to === null || a.from! < s.to));
    if (next) s.to = next.from;
  }
  return [...out, ...added];
}

/**
 * An EndStay closes the open stay in the same bed or programme (the latest one begun before it).
 * A stay that began outside the engine's record (a direct admission) appears as a stay with no start.
 */
function closeEndedStays(stays: Stay[], ends: any[]): Stay[] {
  for (const e of ends) {
    const at = new Date(e.ended_at).toISOString();
    const same = (s: Stay) => (e.bed_id ? s.bedId === e.bed_id : s.programmeId === e.programme_id) && s.institutionId === e.institution_id;
    const open = [...stays].reverse().find((s) => same(s) && (s.to === null || s.to >= at) && (s.from === null || s.from <= at));
    if (open) {
      open.to = at;
      open.endReason = e.reason;
    } else {
      stays.push({
        seq: 0,
        kind: e.kind,
        institutionId: e.institution_id,
        bedId: e.bed_id,
        programmeId: e.programme_id,
        from: null,
        to: at,
        referralId: null,
        endReason: e.reason,
      });
    }
  }
  stays.sort((a, b) => (a.to ?? '9999').localeCompare(b.to ?? '9999'));
  stays.forEach((s, i) => (s.seq = i + 1));
  return stays;
}

/** Rebuilds the journey read model from the audit log. */
export async function rebuildJourney(em: EntityManager): Promise<number> {
  await em.query(`DELETE FROM patient_movements`);
  await em.query(`DELETE FROM inbox WHERE consumer = 'journey'`);
  await em.query(`DELETE FROM stay_ends`);
  await em.query(`DELETE FROM direct_stays`);
  const rows: any[] = await em.query(`SELECT event_id, event_type, payload, occurred_at FROM audit_log WHERE event_type = ANY($1) ORDER BY seq`, [
    JOURNEY_EVENTS,
  ]);
  for (const r of rows) await applyJourney(em, r.event_type, r.payload, r.occurred_at, r.event_id);
  await em.query(`INSERT INTO inbox (consumer, event_id) SELECT 'journey', event_id FROM audit_log WHERE event_type = ANY($1) ON CONFLICT DO NOTHING`, [
    JOURNEY_EVENTS,
  ]);
  return rows.length;
}
