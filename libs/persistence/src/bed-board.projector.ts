import { EntityManager } from 'typeorm';
import { inboxKey } from './inbox';

type Bucket = 'free' | 'reserved' | 'occupied' | 'cleaning' | 'closed' | 'isolated' | 'contaminated';
const BUCKET_OF_STATUS: Record<string, Bucket> = { U: 'free', O: 'occupied', H: 'cleaning', C: 'closed', I: 'isolated', K: 'contaminated' };

export const BED_BOARD_EVENTS = [
  'BedRegistered',
  'BedStatusChanged',
  'BedReserved',
  'ReservationReleased',
  'ReservationExpired',
  'ProgrammeRegistered',
  'ProgrammeCapacityChanged',
  'PatientEnrolled',
  'EnrolmentEnded',
] as const;

interface Delta {
  institutionId: string;
  districtId: string;
  kind: string;
  total: number;
  moves: Partial<Record<Bucket, number>>;
}

/**
 * The bed board: counts by institution × kind × bucket, kept from events. Every event is a
 * pure increment, so the board is the same whatever order events are applied in: a rebuild
 * from the audit log equals the live board.
 */
export function bedBoardDelta(type: string, p: Record<string, any>): Delta | null {
  if (p.programmeId) return programmeDelta(type, p);
  if (!p.bedId) return null;
  const base = { institutionId: p.institutionId, districtId: p.districtId, kind: p.kind, total: 0 };
  switch (type) {
    case 'BedRegistered':
      return { ...base, total: 1, moves: { [BUCKET_OF_STATUS.U]: 1 } };
    case 'BedStatusChanged': {
      // A referral's admission takes a held bed: it leaves "reserved", not "free". An admission the
      // institution records itself (HL7 ADT, no referral) takes a free bed.
      const from: Bucket = p.from === 'U' && p.command === 'Admit' && p.referralId ? 'reserved' : BUCKET_OF_STATUS[p.from];
      return { ...base, moves: { [from]: -1, [BUCKET_OF_STATUS[p.to]]: 1 } as Delta['moves'] };
    }
    case 'BedReserved':
      return { ...base, moves: { free: -1, reserved: 1 } };
    case 'ReservationReleased':
    case 'ReservationExpired':
      return { ...base, moves: { reserved: -1, free: 1 } };
    default:
      return null;
  }
}

/**
 * Home programmes on the same board, per institution × kind: total is the declared capacity,
 * reserved the live holds, occupied the enrolled patients, free what is left.
 */
function programmeDelta(type: string, p: Record<string, any>): Delta | null {
  const base = { institutionId: p.institutionId, districtId: p.districtId, kind: p.kind, total: 0 };
  switch (type) {
    case 'ProgrammeRegistered':
      return { ...base, total: p.capacity, moves: { free: p.capacity } };
    case 'ProgrammeCapacityChanged':
      return { ...base, total: p.delta, moves: { free: p.delta } };
    case 'BedReserved':
      return { ...base, moves: { free: -1, reserved: 1 } };
    case 'ReservationReleased':
    case 'ReservationExpired':
      return { ...base, moves: { reserved: -1, free: 1 } };
    case 'PatientEnrolled':
      return { ...base, moves: { reserved: -1, occupied: 1 } };
    case 'EnrolmentEnded':
      return { ...base, moves: { occupied: -1, free: 1 } };
    default:
      return null;
  }
}

/** Per-programme counts, from the same events (pure increments too). */
async function applyProgrammeBoard(em: EntityManager, d: Delta, programmeId: string): Promise<void> {
  const reserved = d.moves.reserved ?? 0;
  const enrolled = d.moves.occupied ?? 0;
  await em.query(
    `INSERT INTO programme_board (programme_id, institution_id, district_id, kind, capacity, reserved, enrolled) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (programme_id) DO UPDATE SET capacity = programme_board.capacity + EXCLUDED.capacity, reserved = programme_board.reserved + EXCLUDED.reserved, enrolled = programme_board.enrolled + EXCLUDED.enrolled`,
    [programmeId, d.institutionId, d.districtId, d.kind, d.total, reserved, enrolled],
  );
}

export async function applyBedBoard(em: EntityManager, type: string, payload: Record<string, any>): Promise<void> {
  const d = bedBoardDelta(type, payload);
  if (!d) return;
  const cols: Bucket[] = ['free', 'reserved', 'occupied', 'cleaning', 'closed', 'isolated', 'contaminated'];
  const vals = cols.map((c) => d.moves[c] ?? 0);
  await em.query(
    `INSERT INTO bed_board (institution_id, district_id, kind, total, ${cols.join(', ')}) VALUES ($1, $2, $3, $4, ${cols.map((_, i) => `$${i + 5}`).join(', ')})
     ON CONFLICT (institution_id, kind) DO UPDATE SET total = bed_board.total + EXCLUDED.total, ${cols.map((c) => `${c} = bed_board.${c} + EXCLUDED.${c}`).join(', ')}`,
    [d.institutionId, d.districtId, d.kind, d.total, ...vals],
  );
  if (payload.programmeId) await applyProgrammeBoard(em, d, payload.programmeId);
}

/** Rebuilds the board from the audit log (the event history), in one transaction. */
export async function rebuildBedBoard(em: EntityManager): Promise<number> {
  await em.query(`DELETE FROM bed_board`);
  await em.query(`DELETE FROM programme_board`);
  await em.query(`DELETE FROM inbox WHERE consumer = 'bed-board'`);
  let n = 0;
  let after = '0';
  for (;;) {
    const rows: any[] = await em.query(
      `SELECT seq::text, event_id, event_type, payload FROM audit_log WHERE event_type = ANY($1) AND seq > $2 ORDER BY seq LIMIT 5000`,
      [BED_BOARD_EVENTS, after],
    );
    for (const r of rows) {
      await applyBedBoard(em, r.event_type, r.payload);
      n++;
    }
    if (rows.length < 5000) break;
    after = rows[rows.length - 1].seq;
  }
  // The replayed events are now in the board: record them so live delivery does not count them twice.
  await em.query(`INSERT INTO inbox (consumer, event_id) SELECT 'bed-board', event_id FROM audit_log WHERE event_type = ANY($1) ON CONFLICT DO NOTHING`, [
    BED_BOARD_EVENTS,
  ]);
  return n;
}

/**
 * A batch's inbox rows and its increments on the board, in one statement: the inbox rows of every
 * (consumer, event) pair are inserted, and the board takes the deltas of the events whose bed-board
 * row was fresh, summed per institution × kind and per programme (one INSERT … ON CONFLICT may not
 * touch a row twice) and written in key order, so two workers' batches lock board rows in the same
 * order and cannot deadlock on them. Same result as applyBedBoard per event: the board is pure
 * increments. One statement needs no transaction of its own: a batch of bed events is one round trip
 * (BEGIN, the inbox insert, the board and COMMIT were four). Returns the fresh pairs, as inboxKey keys.
 */
export async function claimInboxAndApplyBedBoard(
  q: Pick<EntityManager, 'query'>,
  pairs: readonly { consumer: string; eventId: string }[],
  events: readonly { eventId: string; type: string; payload: Record<string, any> }[],
): Promise<Set<string>> {
  if (!pairs.length) return new Set();
  const cols: Bucket[] = ['free', 'reserved', 'occupied', 'cleaning', 'closed', 'isolated', 'contaminated'];
  const deltas = events.flatMap((e) => {
    const d = bedBoardDelta(e.type, e.payload);
    return d ? [{ eventId: e.eventId, d, programmeId: (e.payload.programmeId as string | undefined) ?? null }] : [];
  });
  const rows: { consumer: string; event_id: string }[] = await q.query(
    `WITH fresh AS (
       INSERT INTO inbox (consumer, event_id)
       SELECT DISTINCT c, e FROM unnest($1::text[], $2::uuid[]) AS p(c, e)
       ON CONFLICT DO NOTHING RETURNING consumer, event_id),
     applied AS (
       SELECT d.* FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::int[], ${cols.map((_, i) => `$${i + 9}::int[]`).join(', ')})
                    AS d(event_id, institution_id, district_id, kind, programme_id, total, ${cols.join(', ')})
       JOIN fresh f ON f.consumer = 'bed-board' AND f.event_id = d.event_id),
     board AS (
       INSERT INTO bed_board (institution_id, district_id, kind, total, ${cols.join(', ')})
       SELECT institution_id, min(district_id), kind, sum(total), ${cols.map((c) => `sum(${c})`).join(', ')}
         FROM applied GROUP BY institution_id, kind ORDER BY institution_id, kind
       ON CONFLICT (institution_id, kind) DO UPDATE SET total = bed_board.total + EXCLUDED.total, ${cols.map((c) => `${c} = bed_board.${c} + EXCLUDED.${c}`).join(', ')}),
     programmes AS (
       INSERT INTO programme_board (programme_id, institution_id, district_id, kind, capacity, reserved, enrolled)
       SELECT programme_id, (array_agg(institution_id))[1], min(district_id), min(kind), sum(total), sum(reserved), sum(occupied)
         FROM applied WHERE programme_id IS NOT NULL GROUP BY programme_id ORDER BY programme_id
       ON CONFLICT (programme_id) DO UPDATE SET capacity = programme_board.capacity + EXCLUDED.capacity, reserved = programme_board.reserved + EXCLUDED.reserved, enrolled = programme_board.enrolled + EXCLUDED.enrolled)
     SELECT consumer, event_id::text FROM fresh`,
    [
      pairs.map((p) => p.consumer),
      pairs.map((p) => p.eventId),
      deltas.map((x) => x.eventId),
      deltas.map((x) => x.d.institutionId),
      deltas.map((x) => x.d.districtId),
      deltas.map((x) => x.d.kind),
      deltas.map((x) => x.programmeId),
      deltas.map((x) => x.d.total),
      ...cols.map((c) => deltas.map((x) => x.d.moves[c] ?? 0)),
    ],
  );
  return new Set(rows.map((r) => inboxKey(r.consumer, r.event_id)));
}
