import { DataSource } from 'typeorm';

/**
 * Where reads that tolerate staleness go (lists, boards, FHIR searches): DATABASE_READ_URL, else the
 * primary itself. Never a command, never a read that must see the caller's own write.
 */
export class ReadReplica {
  constructor(readonly ds: DataSource) {}
}
