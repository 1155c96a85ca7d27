import { BedlinkCommand } from '../../command';

export interface ArchiveAuditPartitionPayload {
  /** YYYY-MM, a Shanghai month that has ended. */
  month: string;
  reason?: string;
}

/** Exports a closed month of the audit log (signed checkpoint + gzipped file) so its partition may be detached. */
export class ArchiveAuditPartitionCommand extends BedlinkCommand<ArchiveAuditPartitionPayload> {
  static override readonly type = 'ArchiveAuditPartition';
}
