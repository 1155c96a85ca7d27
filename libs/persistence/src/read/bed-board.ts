import { Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead } from '@bedlink/domain';
import type { BedBoardRow, ReserveCounts } from '@bedlink/contracts';

const BUCKETS = ['free', 'reserved', 'occupied', 'cleaning', 'closed', 'isolated', 'contaminated'] as const;
import { BedBoardEntity } from '../entities';
import { ReadReplica } from '../read-replica';

export interface ProgrammeBoardRow {
  programmeId: string;
  institutionId: string;
  districtId: string;
  kind: string;
  capacity: number;
  reserved: number;
  enrolled: number;
  used: number;
  free: number;
}

export type DistrictBoardRow = Omit<BedBoardRow, 'institutionId'>;

/** Capacity projections kept from events: beds per institution × kind, home programmes, district sums. */
@Injectable()
export class BedBoardReads {
  private readonly ds: DataSource;
  /** Boards are projections, stale by nature: they read from the replica when there is one. */
  constructor(primary: DataSource, @Optional() replica?: ReadReplica) {
    this.ds = replica?.ds ?? primary;
  }

  async bedBoard(actor: Actor, districtId?: string): Promise<BedBoardRow[]> {
    authorizeRead(actor, 'ReadBedBoard', {});
    const rows = await this.ds.getRepository(BedBoardEntity).find({ where: districtId ? { districtId } : {} });
    const reserve = await this.reserveCounts(districtId);
    return rows.map(({ institutionId, districtId: d, kind, total, free, reserved, occupied, cleaning, closed, isolated, contaminated }) => {
      const row = { institutionId, districtId: d, kind, total, free, reserved, occupied, cleaning, closed, isolated, contaminated } as BedBoardRow;
      const r = reserve.get(`${institutionId}|${kind}`);
      if (!r) return row;
      // reserve beds are shown apart: the cell's own counts are the beds in normal use
      for (const k of BUCKETS) row[k] -= r[k];
      row.total -= r.total;
      return { ...row, reserve: r };
    });
  }

  /**
   * Reserve (surge) beds per institution × kind, by bucket, read from the beds themselves: they are
   * few (partial index beds_reserve_by_institution), and marking or opening one changes no status, so
   * the event-built board cannot tell them apart.
   */
  private async reserveCounts(districtId?: string): Promise<Map<string, ReserveCounts>> {
    const rows: any[] = await this.ds.query(
      `SELECT b.institution_id, b.kind, count(*)::int AS total, count(*) FILTER (WHERE b.reserve_open)::int AS open,
              count(*) FILTER (WHERE b.status = 'U' AND h.id IS NULL)::int AS free,
              count(*) FILTER (WHERE b.status = 'U' AND h.id IS NULL AND b.reserve_open)::int AS open_free,
              count(*) FILTER (WHERE b.status = 'U' AND h.id IS NOT NULL)::int AS reserved,
              count(*) FILTER (WHERE b.status = 'O')::int AS occupied, count(*) FILTER (WHERE b.status = 'H')::int AS cleaning,
              count(*) FILTER (WHERE b.status = 'C')::int AS closed, count(*) FILTER (WHERE b.status = 'I')::int AS isolated,
              count(*) FILTER (WHERE b.status = 'K')::int AS contaminated
         FROM beds b LEFT JOIN reservations h ON h.bed_id = b.id AND h.state = 'HELD'
        WHERE b.reserve AND ($1::text IS NULL OR b.district_id = $1)
        GROUP BY b.institution_id, b.kind`,
      [districtId ?? null],
    );
    return new Map(
      rows.map((r) => [
        `${r.institution_id}|${r.kind}`,
        {
          total: r.total,
          open: r.open,
          free: r.free,
          openFree: r.open_free,
          reserved: r.reserved,
          occupied: r.occupied,
          cleaning: r.cleaning,
          closed: r.closed,
          isolated: r.isolated,
          contaminated: r.contaminated,
        },
      ]),
    );
  }

  async programmeBoard(actor: Actor, districtId?: string): Promise<ProgrammeBoardRow[]> {
    authorizeRead(actor, 'ReadBedBoard', {});
    const rows: any[] = await this.ds.query(`SELECT * FROM programme_board WHERE $1::text IS NULL OR district_id = $1 ORDER BY programme_id`, [
      districtId ?? null,
    ]);
    return rows.map((r) => ({
      programmeId: r.programme_id,
      institutionId: r.institution_id,
      districtId: r.district_id,
      kind: r.kind,
      capacity: r.capacity,
      reserved: r.reserved,
      enrolled: r.enrolled,
      used: r.reserved + r.enrolled,
      free: r.capacity - r.reserved - r.enrolled,
    }));
  }

  async districtBoard(actor: Actor): Promise<DistrictBoardRow[]> {
    authorizeRead(actor, 'ReadBedBoard', {});
    const rows: any[] = await this.ds.query(
      `SELECT district_id, kind, sum(total)::int AS total, sum(free)::int AS free, sum(reserved)::int AS reserved, sum(occupied)::int AS occupied, sum(cleaning)::int AS cleaning,
              sum(closed)::int AS closed, sum(isolated)::int AS isolated, sum(contaminated)::int AS contaminated
         FROM bed_board GROUP BY district_id, kind ORDER BY district_id, kind`,
    );
    return rows.map(
      (r) =>
        ({
          districtId: r.district_id,
          kind: r.kind,
          total: r.total,
          free: r.free,
          reserved: r.reserved,
          occupied: r.occupied,
          cleaning: r.cleaning,
          closed: r.closed,
          isolated: r.isolated,
          contaminated: r.contaminated,
        }) as DistrictBoardRow,
    );
  }
}
