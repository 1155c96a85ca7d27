import 'reflect-metadata';
import { auditKeys, loadConfig } from '@bedlink/config';
import { createDataSource, verifyAndCheckpoint, verifyArchiveFiles } from '@bedlink/persistence';

/**
 * npm run audit:verify [-- --full] [-- --no-checkpoint]: checks every checkpoint signature with
 * AUDIT_VERIFY_KEY, then (incremental, the default, what GET /audit/verify and the worker do) the
 * last checkpoint's heads and the records after it; with --full every record from genesis (from
 * the archive boundary for detached months) and every checkpoint's heads. Run --full now and then:
 * only it recomputes the records a checkpoint already covers (an edit that did not bother to
 * recompute hashes leaves the heads unchanged); archiving a month recomputes that month's too.
 * Signs a new checkpoint when all holds (unless --no-checkpoint, or no signing key).
 *
 * npm run audit:verify -- --file audit-2026-01.ndjson.gz [--file audit-2026-02.ndjson.gz ...]:
 * offline, no database: each archive file's records recomputed from the heads before its month,
 * counts and digests, the end checkpoint's signature; several files (oldest first) also linked.
 *
 * Exit 0 when the trail holds, 1 naming the first break, 2 when verification could not run.
 */
async function verifyFiles(files: string[]): Promise<number> {
  const keys = auditKeys(loadConfig());
  const results = await verifyArchiveFiles(files, keys.verifyKey);
  for (const [i, r] of results.entries()) {
    if (r.ok) console.log(`archive OK: ${files[i]}: ${r.month}, ${r.rows} records in ${r.chains} chains, end digest ${r.endDigest}, signed by key ${r.keyId}`);
    else {
      console.error(`archive BROKEN: ${files[i]}: ${r.problem}: ${r.reason}`);
      console.log(JSON.stringify({ ...r, startHeads: undefined, endHeads: undefined }));
      return 1;
    }
  }
  return 0;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const files = argv.flatMap((a, i) => (a === '--file' && argv[i + 1] ? [argv[i + 1]] : []));
  if (argv.includes('--file')) return files.length ? verifyFiles(files) : 2;
  const args = new Set(argv);
  const cfg = loadConfig();
  const keys = auditKeys(cfg);
  const ds = createDataSource(cfg.DATABASE_URL, 2);
  await ds.initialize();
  try {
    const { report, written } = await verifyAndCheckpoint(
      ds,
      { verifyKey: keys.verifyKey, signingKey: args.has('--no-checkpoint') ? undefined : keys.signingKey },
      { full: args.has('--full') },
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
