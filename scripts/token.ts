import { mintToken } from '@bedlink/auth';
import { loadConfig } from '@bedlink/config';
import { Role, ROLES } from '@bedlink/domain';

/** npm run token -- --role DISCHARGE_PLANNER --institution <id> [--district D] [--user u] [--hours 12] */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const role = arg('role') as Role | undefined;
if (!role || !ROLES.includes(role) || role === 'SYSTEM') {
  console.error(
    `usage: npm run token -- --role <${ROLES.filter((r) => r !== 'SYSTEM').join('|')}> [--institution <uuid>] [--district <id>] [--user <id>] [--hours <n>]`,
  );
  process.exit(2);
}
const institution = arg('institution');
if (!['DISTRICT_COORDINATOR', 'AUDITOR'].includes(role) && !institution) {
  console.error(`${role} acts for an institution: pass --institution <uuid>`);
  process.exit(2);
}
const cfg = loadConfig();
console.log(
  mintToken(
    cfg.JWT_SECRET,
    { sub: arg('user') ?? `dev-${role.toLowerCase()}`, role, inst: institution ?? null, dist: arg('district') ?? null },
    `${Number(arg('hours') ?? 12)}h`,
  ),
);
