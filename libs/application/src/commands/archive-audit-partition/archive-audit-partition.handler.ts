import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditArchive, authorize, DomainError, MONTH_PATTERN } from '@bedlink/domain';
import { AUDIT_ARCHIVER, AuditArchiver, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ArchiveAuditPartitionCommand } from './archive-audit-partition.command';

/**
 * Writes the month's file first (long, outside any transaction), then records the archive in one
 * transaction with its audit record and outbox row. A second archive of the month loses on the
 * archive row's unique month; its file had the same name and content apart from the time it was
 * signed, and the recorded one is the file that won (same rows, same digests).
 */
@CommandHandler(ArchiveAuditPartitionCommand)
export class ArchiveAuditPartitionHandler implements ICommandHandler<ArchiveAuditPartitionCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(AUDIT_ARCHIVER) private readonly archiver: AuditArchiver,
  ) {}

  async execute({ payload: p, ctx, type }: ArchiveAuditPartitionCommand) {
    authorize(ctx.actor, type, {});
    if (typeof p.month !== 'string' || !MONTH_PATTERN.test(p.month))
      throw new DomainError('VALIDATION_FAILED', `month must be YYYY-MM, not ${String(p.month)}`, { path: '/month' });
    const { path, ...props } = await this.archiver.export(p.month, ctx.actor.userId);
    return this.uow.run(ctx, async (tx) => {
      const a = AuditArchive.record({ id: randomUUID(), ...props }, ctx.now, p.reason);
      tx.add(a);
      return {
        archiveId: a.id,
        month: props.month,
        partition: props.partitionName,
        rowCount: props.rowCount,
        chains: props.chains,
        endDigest: props.endDigest,
        fileName: props.fileName,
        file: path,
        fileSha256: props.fileSha256,
        keyId: props.keyId,
      };
    });
  }
}
