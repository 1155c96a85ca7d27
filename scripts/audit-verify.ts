import 'reflect-metadata';
import { loadConfig } from '@bedlink/config';
import { createDataSource, verifyAuditChains } from '@bedlink/persistence';

/** npm run audit:verify: exit 0 with the count of verified records, or non-zero naming the first bad one. */
async function main(): Promise<number> {
  const ds = createDataSource(loadConfig().DATABASE_URL, 2);
  await ds.initialize();
  try {
    const report = await verifyAuditChains(ds);
    if (report.ok) {
      console.log(`audit OK: ${report.records} records in ${report.chains} chains verified`);
      return 0;
    }
    const b = report.firstBreak!;
    console.error(`audit BROKEN: ${b.problem} at ${b.aggregateType} ${b.aggregateId} seq ${b.aggregateSeq} (audit_log.seq ${b.seq}); ${report.records} records read`);
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
