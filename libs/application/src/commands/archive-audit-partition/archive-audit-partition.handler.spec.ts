import { DomainError } from '@bedlink/domain';
import { AuditArchiver } from '../../ports';
import { ACTORS, ctxFor, world } from '../../testing/fake-unit-of-work';
import { ArchiveAuditPartitionCommand } from './archive-audit-partition.command';
import { ArchiveAuditPartitionHandler } from './archive-audit-partition.handler';

/** What the exporter answers for a month (the real one reads and signs the partition: test/audit-partitions.e2e-spec.ts). */
function fakeArchiver(fail?: DomainError): AuditArchiver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async export(month, createdBy) {
      calls.push(month);
      if (fail) throw fail;
      return {
        month,
        partitionName: `audit_log_p${month.replace('-', '')}`,
        rowCount: 3,
        firstSeq: '10',
        lastSeq: '12',
        chains: 2,
        rowsSha256: 'r',
        startDigest: 's',
        endDigest: 'e',
        endHeads: [],
        fileName: `audit-${month}.ndjson.gz`,
        fileSha256: 'f',
        fileBytes: 100,
        keyId: 'k',
        prevSignature: null,
        signature: 'sig',
        createdAt: new Date(),
        createdBy,
        path: `/tmp/audit-${month}.ndjson.gz`,
      };
    },
  };
}

describe('ArchiveAuditPartition handler', () => {
  const run = (actor = ACTORS.system, month = '2026-01', archiver = fakeArchiver()) => {
    const w = world();
    const h = new ArchiveAuditPartitionHandler(w, archiver);
    return { w, archiver, result: h.execute(new ArchiveAuditPartitionCommand({ month }, ctxFor(actor, 'ArchiveAuditPartition'))) };
  };

  it('the engine (the operator, with the signing key) archives a month: one event, the file named in the answer', async () => {
    const { w, result } = run();
    await expect(result).resolves.toMatchObject({ month: '2026-01', partition: 'audit_log_p202601', rowCount: 3, file: '/tmp/audit-2026-01.ndjson.gz' });
    expect(w.events).toEqual(['AuditPartitionArchived']);
  });

  it.each([['AUDITOR'], ['DISTRICT_COORDINATOR']] as const)('a district role (%s) may not: a month holds every district; nothing is exported', async (role) => {
    const archiver = fakeArchiver();
    const actor = role === 'AUDITOR' ? { ...ACTORS.district, role } : ACTORS.district;
    await expect(run(actor, '2026-01', archiver).result).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(archiver.calls).toEqual([]);
  });

  it('a malformed month is refused before anything is read', async () => {
    const archiver = fakeArchiver();
    await expect(run(ACTORS.system, '2026-1', archiver).result).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(archiver.calls).toEqual([]);
  });

  it("the exporter's refusal (a broken trail) is the command's; nothing is recorded", async () => {
    const { w, result } = run(ACTORS.system, '2026-01', fakeArchiver(new DomainError('AUDIT_TRAIL_BROKEN', 'x')));
    await expect(result).rejects.toMatchObject({ code: 'AUDIT_TRAIL_BROKEN' });
    expect(w.events).toEqual([]);
  });
});
