import { DataSource } from 'typeorm';

/** Days of hourly board snapshots kept (the dashboard shows 30). */
export const SNAPSHOT_RETENTION_DAYS = 35;

/**
 * Copies the bed board as it is now into board_snapshots under the current hour (closed counts
 * isolated and contaminated beds too, as the board's columns do), and drops what is older than
 * the retention. Idempotent per hour: the first snapshot of an hour stands.
 */
export async function takeBoardSnapshot(ds: DataSource, at = new Date()): Promise<number> {
  const rows = await ds.query(
    `INSERT INTO board_snapshots (taken_at, district_id, institution_id, kind, total, free, reserved, occupied, cleaning, closed)
     SELECT date_trunc('hour', $1::timestamptz), district_id, institution_id, kind, total, free, reserved, occupied, cleaning, closed + isolated + contaminated
       FROM bed_board
     ON CONFLICT DO NOTHING RETURNING 1`,
    [at],
  );
  await ds.query(`DELETE FROM board_snapshots WHERE taken_at < $1::timestamptz - make_interval(days => $2)`, [at, SNAPSHOT_RETENTION_DAYS]);
  return rows.length;
}
