import { spawn } from 'node:child_process';
import { DocumentScanner, ScanVerdict } from '@bedlink/application';
import { EnvConfig } from '@bedlink/config';
import { DomainError } from '@bedlink/domain';

/** No scanner configured: every file passes (the default; say so in the deployment's risk register). */
export class NoScanner implements DocumentScanner {
  readonly name = 'none';
  async scan(): Promise<ScanVerdict> {
    return { clean: true };
  }
}

/**
 * A scanner run as a command with the file on stdin, no shell (DOCUMENT_SCAN_COMMAND split on
 * spaces): exit 0 clean, exit 1 infected (the first line of stdout names the threat), anything
 * else, a crash or the timeout refuses the upload. Fail closed: a file nobody could scan is not stored.
 * clamd: `clamdscan --no-summary -`; an ICAP server (c-icap, Kaspersky, Trend): a small
 * script around `c-icap-client` that maps its verdict to these exit codes.
 */
export class CommandScanner implements DocumentScanner {
  readonly name: string;
  private readonly argv: string[];
  constructor(
    command: string,
    private readonly timeoutMs: number,
  ) {
    this.argv = command.trim().split(/\s+/);
    this.name = `command:${this.argv[0]}`;
  }

  scan(bytes: Buffer): Promise<ScanVerdict> {
    return new Promise((resolve, reject) => {
      const unavailable = (why: string) => reject(new DomainError('SCAN_UNAVAILABLE', `the virus scanner could not check the file (${why}); try again later`));
      const child = spawn(this.argv[0], this.argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        unavailable('timed out');
      }, this.timeoutMs);
      child.stdout.on('data', (c: Buffer) => {
        if (out.length < 4096) out += c.toString('utf8');
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        unavailable(e.message);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) return resolve({ clean: true });
        if (code === 1) return resolve({ clean: false, threat: out.split('\n')[0].trim().slice(0, 200) || 'infected' });
        unavailable(`exit ${code}`);
      });
      // a scanner that stops reading early (it already knows) must not crash the API with EPIPE
      child.stdin.on('error', () => undefined);
      child.stdin.end(bytes);
    });
  }
}

export function scannerFor(cfg: Pick<EnvConfig, 'DOCUMENT_SCAN_COMMAND' | 'DOCUMENT_SCAN_TIMEOUT_MS'>): DocumentScanner {
  return cfg.DOCUMENT_SCAN_COMMAND.trim() ? new CommandScanner(cfg.DOCUMENT_SCAN_COMMAND, cfg.DOCUMENT_SCAN_TIMEOUT_MS) : new NoScanner();
}
