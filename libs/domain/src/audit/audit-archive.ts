import { AggregateRoot } from '../shared/events';
import { DomainError } from '../shared/errors';

/** The last record of one chain within an archived month (t: aggregate type, seq: aggregate_seq). */
export interface ArchivedHead {
  t: string;
  id: string;
  seq: number;
  hash: string;
}

/**
 * One closed month of the audit log, exported to a signed, compressed file before its partition
 * may be detached. An aggregate so that archiving is an audited command like any other (its own
 * audit record, outbox row and command result in one transaction); it is only ever created, and
 * its row (audit_archives) is insert-only like the log it describes.
 */
export interface AuditArchiveProps {
  id: string;
  /** YYYY-MM, a Shanghai month. */
  month: string;
  partitionName: string;
  rowCount: number;
  firstSeq: string | null;
  lastSeq: string | null;
  chains: number;
  rowsSha256: string;
  startDigest: string;
  endDigest: string;
  endHeads: ArchivedHead[];
  fileName: string;
  fileSha256: string;
  fileBytes: number;
  keyId: string;
  prevSignature: string | null;
  signature: string;
  createdAt: Date;
  createdBy: string;
}

export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export class AuditArchive extends AggregateRoot {
  readonly aggregateType = 'AuditArchive' as const;
  private constructor(private readonly p: AuditArchiveProps) {
    super();
  }

  static record(props: AuditArchiveProps, at: Date, reason?: string): AuditArchive {
    if (!MONTH_PATTERN.test(props.month)) throw new DomainError('VALIDATION_FAILED', `month must be YYYY-MM, not ${props.month}`, { path: '/month' });
    const a = new AuditArchive({ ...props });
    a.record(
      'AuditPartitionArchived',
      {
        archiveId: props.id,
        month: props.month,
        partition: props.partitionName,
        rowCount: props.rowCount,
        firstSeq: props.firstSeq,
        lastSeq: props.lastSeq,
        chains: props.chains,
        endDigest: props.endDigest,
        fileName: props.fileName,
        fileSha256: props.fileSha256,
        keyId: props.keyId,
        signature: props.signature,
      },
      at,
      reason,
    );
    return a;
  }

  static rehydrate(props: AuditArchiveProps, version: number): AuditArchive {
    const a = new AuditArchive({ ...props });
    a.version = version;
    return a;
  }

  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<AuditArchiveProps> {
    return this.p;
  }
}
