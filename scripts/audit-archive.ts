import 'reflect-metadata';
import { ArchiveAuditPartitionCommand, ArchiveAuditPartitionHandler } from '@bedlink/application';
import { auditKeys, loadConfig } from '@bedlink/config';
import { DomainError } from '@bedlink/domain';
import {
  AlreadyExecuted,
  archiveCommandContext,
  AuditArchiveExporter,
  createDataSource,
  detachAuditPartition,
  PiiCipher,
  TypeOrmUnitOfWork,
} from '@bedlink/persistence';

/**
 * npm run audit:archive -- --month YYYY-MM [--operator NAME] [--reason TEXT] [--detach]
 * Archives a closed month of the audit log (ArchiveAuditPartition: a signed, gzipped file in
 * AUDIT_ARCHIVE_DIR, recorded in audit_archives with its own audit record) and, with --detach,
 * then detaches its partition (the database re-checks the archive). Dropping the detached table
 * is left to the operator, once the file is copied off the host and `npm run audit:verify --
 * --file` accepted it. Exit 0 done, 1 refused (the reason printed), 2 could not run.
 */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const month = arg('--month');
  if (!month) {
    console.error('usage: npm run audit:archive -- --month YYYY-MM [--operator NAME] [--reason TEXT] [--detach]');
    return 2;
  }
  const cfg = loadConfig();
  const ds = createDataSource(cfg.DATABASE_URL, 2);
  await ds.initialize();
  try {
    const handler = new ArchiveAuditPartitionHandler(
      new TypeOrmUnitOfWork(ds, new PiiCipher(cfg.PII_KEY)),
      new AuditArchiveExporter(ds, { signingKey: auditKeys(cfg).signingKey, dir: cfg.AUDIT_ARCHIVE_DIR }),
    );
    const operator = arg('--operator') ?? process.env.USER ?? 'operator';
    try {
      const r = await handler.execute(new ArchiveAuditPartitionCommand({ month, reason: arg('--reason') }, archiveCommandContext(month, operator)));
      console.log(
        `archived ${r.month}: ${r.rowCount} records in ${r.chains} chains → ${r.file} (sha256 ${r.fileSha256}); end digest ${r.endDigest}, key ${r.keyId}`,
      );
    } catch (e) {
      if (!(e instanceof AlreadyExecuted)) throw e;
      console.log(`${month} was archived before (audit_archives has its record)`);
    }
    if (argv.includes('--detach')) console.log(`detached ${await detachAuditPartition(ds, month)}: drop it once its file is safe elsewhere`);
    return 0;
  } catch (e) {
    if (e instanceof DomainError) {
      console.error(`refused: ${e.code}: ${e.message}`);
      return 1;
    }
    const msg = e instanceof Error ? e.message : String(e);
    if (/AUDIT_(NOT_ARCHIVED|ARCHIVE_STALE|PARTITION_ORDER|PARTITION_NOT_FOUND)/.test(msg)) {
      console.error(`refused: ${msg}`);
      return 1;
    }
    throw e;
  } finally {
    await ds.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`audit archive could not run: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
