import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, sleep } from '../../bench/support';
import { killAll } from './redis-procs';

/** A PgBouncer of the suite's own in front of the local Postgres, in transaction mode (how applications are pooled). */
export interface PgBouncer {
  /** The same database and user as `url` (a URL of the local Postgres), through the pooler. */
  via(url: string): string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's pgbouncer (scripts/ensure-tools.sh installs it) on a free port: trust auth as the local
 * Postgres (for `users` and the URL's user), `poolSize` server connections per database and user, no
 * server reset between clients (transaction mode needs none). As root it drops to the postgres user, as
 * it requires.
 */
export async function startPgBouncer(poolSize: number, postgresUrl: string, users: string[]): Promise<PgBouncer> {
  const pg = new URL(postgresUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bedlink-pgbouncer-'));
  chmodSync(dir, 0o777); // written by the postgres user when run as root
  // trust: no password is checked, but each user must be listed
  writeFileSync(join(dir, 'users.txt'), [...new Set([decodeURIComponent(pg.username || 'postgres'), ...users])].map((u) => `"${u}" ""\n`).join(''));
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${pg.hostname} port=${pg.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 500',
      'server_reset_query =',
      // as README's "Behind a connection pooler" says: the settings the engine's clients send when they
      // connect are dropped (the runtime role carries the statement timeout itself)
      'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    ].join('\n') + '\n',
  );
  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) args.unshift('-u', 'postgres');
  // Debian puts it in /usr/sbin, which a user's PATH may leave out
  const proc: ChildProcess = spawn(existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer', args, { stdio: 'ignore' });
  const via = (url: string) => {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  };
  const stop = () => killAll([proc], dir);
  for (let i = 0; ; i++) {
    const c = new Client({ connectionString: via(postgresUrl), connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      break;
    } catch (e) {
      if (i >= 50 || proc.exitCode !== null) {
        let log = '';
        try {
          log = readFileSync(join(dir, 'pgbouncer.log'), 'utf8').slice(-2000);
        } catch {
          /* no log written */
        }
        await stop();
        throw new Error(`pgbouncer did not start: ${e instanceof Error ? e.message : String(e)}\n${log}`);
      }
      await sleep(100);
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return { via, stop };
}
