import { Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead } from '@bedlink/domain';
import type { BedBoardRow } from '@bedlink/contracts';
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
    return rows.map(
      ({ institutionId, districtId: d, kind, total, free, reserved, occupied, cleaning, closed, isolated, contaminated }) =>
        ({ institutionId, districtId: d, kind, total, free, reserved, occupied, cleaning, closed, isolated, contaminated }) as BedBoardRow,
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
