import { EntityManager } from 'typeorm';

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
 * A batch of events on the board in at most two statements: the increments are summed per
 * institution × kind (and per programme) first, since one INSERT … ON CONFLICT may not touch a row
 * twice, and written in key order, so two workers' batches lock board rows in the same order and
 * cannot deadlock on them. Same result as applyBedBoard per event: the board is pure increments.
 */
export async function applyBedBoardBatch(em: EntityManager, events: readonly { type: string; payload: Record<string, any> }[]): Promise<void> {
  const cols: Bucket[] = ['free', 'reserved', 'occupied', 'cleaning', 'closed', 'isolated', 'contaminated'];
  const board = new Map<string, { d: Delta; total: number; moves: Record<Bucket, number> }>();
  const programmes = new Map<string, { d: Delta; total: number; reserved: number; enrolled: number }>();
  for (const { type, payload } of events) {
    const d = bedBoardDelta(type, payload);
    if (!d) continue;
    const k = `${d.institutionId}\n${d.kind}`;
    const b = board.get(k) ?? { d, total: 0, moves: Object.fromEntries(cols.map((c) => [c, 0])) as Record<Bucket, number> };
    b.total += d.total;
    for (const c of cols) b.moves[c] += d.moves[c] ?? 0;
    board.set(k, b);
    if (payload.programmeId) {
      const p = programmes.get(payload.programmeId) ?? { d, total: 0, reserved: 0, enrolled: 0 };
      p.total += d.total;
      p.reserved += d.moves.reserved ?? 0;
      p.enrolled += d.moves.occupied ?? 0;
      programmes.set(payload.programmeId, p);
    }
  }
  if (board.size) {
    const rows = [...board.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
    await em.query(
      `INSERT INTO bed_board (institution_id, district_id, kind, total, ${cols.join(', ')})
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], ${cols.map((_, i) => `$${i + 5}::int[]`).join(', ')})
       ON CONFLICT (institution_id, kind) DO UPDATE SET total = bed_board.total + EXCLUDED.total, ${cols.map((c) => `${c} = bed_board.${c} + EXCLUDED.${c}`).join(', ')}`,
      [
        rows.map((r) => r.d.institutionId),
        rows.map((r) => r.d.districtId),
        rows.map((r) => r.d.kind),
        rows.map((r) => r.total),
        ...cols.map((c) => rows.map((r) => r.moves[c])),
      ],
    );
  }
  if (programmes.size) {
    const rows = [...programmes.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    await em.query(
      `INSERT INTO programme_board (programme_id, institution_id, district_id, kind, capacity, reserved, enrolled)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[])
       ON CONFLICT (programme_id) DO UPDATE SET capacity = programme_board.capacity + EXCLUDED.capacity, reserved = programme_board.reserved + EXCLUDED.reserved, enrolled = programme_board.enrolled + EXCLUDED.enrolled`,
      [
        rows.map(([id]) => id),
        rows.map(([, p]) => p.d.institutionId),
        rows.map(([, p]) => p.d.districtId),
        rows.map(([, p]) => p.d.kind),
        rows.map(([, p]) => p.total),
        rows.map(([, p]) => p.reserved),
        rows.map(([, p]) => p.enrolled),
      ],
    );
  }
}
