import 'reflect-metadata';
import { auditKeys, loadConfig } from '@bedlink/config';
import { createDataSource, verifyAndCheckpoint } from '@bedlink/persistence';

/**
 * npm run audit:verify [-- --incremental] [-- --no-checkpoint]: checks every checkpoint signature
 * with AUDIT_VERIFY_KEY, then every record from genesis and every checkpoint's heads; with
 * --incremental only the last checkpoint's heads and the records after it (what GET /audit/verify
 * and the worker do). Full is the default here because only it recomputes the records a checkpoint
 * already covers: an edit that did not bother to recompute hashes leaves the heads unchanged.
 * Signs a new checkpoint when all holds (unless --no-checkpoint, or no signing key: offline
 * verification needs only the public key). Exit 0 when the trail holds, 1 naming the first
 * break, 2 when verification could not run.
 */
async function main(): Promise<number> {
  const args = new Set(process.argv.slice(2));
  const cfg = loadConfig();
  const keys = auditKeys(cfg);
  const ds = createDataSource(cfg.DATABASE_URL, 2);
  await ds.initialize();
  try {
    const { report, written } = await verifyAndCheckpoint(
      ds,
      { verifyKey: keys.verifyKey, signingKey: args.has('--no-checkpoint') ? undefined : keys.signingKey },
      { full: !args.has('--incremental') },
    );
    const from = report.checkpoint
      ? `from checkpoint ${report.checkpoint.id} (digest ${report.checkpoint.digest}, covering seq ${report.checkpoint.coveringSeq})`
      : 'from genesis (no checkpoint yet)';
    if (report.ok) {
      console.log(
        `audit OK: ${report.records} records in ${report.chains} chains verified ${from} (${report.mode}; ${report.checkpoints} signed checkpoint(s) verified with key ${keys.keyId})`,
      );
      if (written)
        console.log(
          `new checkpoint ${written.id}: digest ${written.digest}, covering seq ${written.coveringSeq}, ${written.chains} chains — keep this line outside the database`,
        );
      return 0;
    }
    const b = report.firstBreak!;
    console.error(
      `audit BROKEN: ${b.problem} at ${b.aggregateType} ${b.aggregateId} seq ${b.aggregateSeq} (audit_log.seq ${b.seq}${b.checkpointId ? `, checkpoint ${b.checkpointId}` : ''}); ${report.records} records read ${from}`,
    );
    console.log(JSON.stringify(report));
    return 1;
  } finally {
    await ds.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`audit verification could not run: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
