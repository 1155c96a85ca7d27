import { DomainError } from '../shared/errors';
import { AuditArchive, AuditArchiveProps } from './audit-archive';

/** One archived month of the audit log: only ever created, with an event that lets a reader find and check the file. */
const AT = new Date('2026-11-30T03:00:00Z');
const props = (over: Partial<AuditArchiveProps> = {}): AuditArchiveProps => ({
  id: 'arch-1',
  month: '2026-09',
  partitionName: 'audit_log_2026_09',
  rowCount: 1234,
  firstSeq: '100',
  lastSeq: '1333',
  chains: 17,
  rowsSha256: 'a'.repeat(64),
  startDigest: 'b'.repeat(64),
  endDigest: 'c'.repeat(64),
  endHeads: [{ t: 'Referral', id: 'r1', seq: 9, hash: 'd'.repeat(64) }],
  fileName: 'audit-2026-09.jsonl.gz',
  fileSha256: 'e'.repeat(64),
  fileBytes: 40960,
  keyId: 'k-2026',
  prevSignature: null,
  signature: 'sig-1',
  createdAt: AT,
  createdBy: 'auditor-1',
  ...over,
});
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return { code: (e as DomainError).code, details: (e as DomainError).details };
  }
  return 'accepted';
};

describe('AuditArchive.record', () => {
  it('keeps what it was given and records AuditPartitionArchived with what a reader needs to find and check the file', () => {
    const a = AuditArchive.record(props(), AT, 'month closed');
    expect(a.id).toBe('arch-1');
    expect(a.aggregateType).toBe('AuditArchive');
    expect(a.props).toEqual(props());
    const events = a.pullEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'AuditPartitionArchived',
      aggregateType: 'AuditArchive',
      aggregateId: 'arch-1',
      occurredAt: AT,
      reason: 'month closed',
    });
    expect(events[0].payload).toEqual({
      archiveId: 'arch-1',
      month: '2026-09',
      partition: 'audit_log_2026_09',
      rowCount: 1234,
      firstSeq: '100',
      lastSeq: '1333',
      chains: 17,
      endDigest: 'c'.repeat(64),
      fileName: 'audit-2026-09.jsonl.gz',
      fileSha256: 'e'.repeat(64),
      keyId: 'k-2026',
      signature: 'sig-1',
    });
  });

  it('an empty month has no sequence range; no reason gives no reason', () => {
    const a = AuditArchive.record(props({ rowCount: 0, firstSeq: null, lastSeq: null, chains: 0 }), AT);
    const [e] = a.pullEvents();
    expect(e.payload).toMatchObject({ rowCount: 0, firstSeq: null, lastSeq: null, chains: 0 });
    expect(e.reason).toBeUndefined();
  });

  it('does not keep the caller’s object', () => {
    const input = props();
    const a = AuditArchive.record(input, AT);
    input.signature = 'forged';
    expect(a.props.signature).toBe('sig-1');
  });

  it('a month is YYYY-MM with a month 01-12, nothing around it', () => {
    for (const month of ['2026-01', '2026-10', '2026-12', '1999-09']) expect(refusal(() => AuditArchive.record(props({ month }), AT))).toBe('accepted');
    for (const month of ['2026-00', '2026-13', '2026-1', '26-09', '2026/09', '2026-09-01', 'x2026-09', '2026-09x', '202a-09', ''])
      expect(refusal(() => AuditArchive.record(props({ month }), AT))).toEqual({ code: 'VALIDATION_FAILED', details: { path: '/month' } });
  });
});

describe('AuditArchive.rehydrate', () => {
  it('restores the row and its version, records nothing', () => {
    const stored = props({ prevSignature: 'sig-0' });
    const a = AuditArchive.rehydrate(stored, 1);
    expect(a.version).toBe(1);
    expect(a.id).toBe('arch-1');
    expect(a.props).toEqual(stored);
    expect(a.props).not.toBe(stored);
    expect(a.pullEvents()).toEqual([]);
  });
});
