import { AuditArchive } from '@bedlink/domain';
import { AggregateAdapter, d, Row } from './adapter';
import { insertRows, table } from './table';

const AUDIT_ARCHIVES = table('audit_archives', [
  'id',
  'month',
  'partition_name',
  'row_count',
  'first_seq',
  'last_seq',
  'chains',
  'rows_sha256',
  'start_digest',
  'end_digest',
  'end_heads',
  'file_name',
  'file_sha256',
  'file_bytes',
  'key_id',
  'prev_signature',
  'signature',
  'created_at',
  'created_by',
  'version',
  'chain_seq',
  'chain_hash',
]);

export function rowToAuditArchive(r: Row): AuditArchive {
  const month = r.month instanceof Date ? r.month.toISOString().slice(0, 7) : String(r.month).slice(0, 7);
  return AuditArchive.rehydrate(
    {
      id: r.id,
      month,
      partitionName: r.partition_name,
      rowCount: Number(r.row_count),
      firstSeq: r.first_seq,
      lastSeq: r.last_seq,
      chains: r.chains,
      rowsSha256: r.rows_sha256,
      startDigest: r.start_digest,
      endDigest: r.end_digest,
      endHeads: r.end_heads,
      fileName: r.file_name,
      fileSha256: r.file_sha256,
      fileBytes: Number(r.file_bytes),
      keyId: r.key_id,
      prevSignature: r.prev_signature,
      signature: r.signature,
      createdAt: d(r.created_at)!,
      createdBy: r.created_by,
    },
    r.version,
  );
}

/** Archives are only ever created: the row is insert-only (same trigger as the log), so there is no update. */
export const auditArchiveAdapter: AggregateAdapter<AuditArchive> = {
  table: AUDIT_ARCHIVES,
  tables: [AUDIT_ARCHIVES],
  notFound: { code: 'NOT_FOUND', what: 'audit archive' },
  lock: false,
  fromRow: (row) => rowToAuditArchive(row),
  async insert(a, s) {
    const p = a.props;
    await insertRows(s.q, AUDIT_ARCHIVES, [
      {
        id: p.id,
        month: `${p.month}-01`,
        partition_name: p.partitionName,
        row_count: p.rowCount,
        first_seq: p.firstSeq,
        last_seq: p.lastSeq,
        chains: p.chains,
        rows_sha256: p.rowsSha256,
        start_digest: p.startDigest,
        end_digest: p.endDigest,
        end_heads: JSON.stringify(p.endHeads),
        file_name: p.fileName,
        file_sha256: p.fileSha256,
        file_bytes: p.fileBytes,
        key_id: p.keyId,
        prev_signature: p.prevSignature,
        signature: p.signature,
        created_at: p.createdAt,
        created_by: p.createdBy,
        version: 1,
        ...s.chain,
      },
    ]);
  },
  async update(a) {
    throw new Error(`audit archive ${a.id} is never changed`);
  },
};
