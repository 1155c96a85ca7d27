import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { AddressInfo, createServer, Server } from 'node:net';
import { join } from 'node:path';

/** Shared by the bench and the fault suite: real processes, measured from outside. */

export const ROOT = join(__dirname, '..');

/**
 * `n` distinct loopback ports nothing listens on, for processes that start later. Each is held until all
 * are chosen: the kernel may hand out a port it has just released, and two calls of one at a time once gave
 * a Redis Cluster the same port twice (CI, 2026-12-02: EEXIST on the second node's folder).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      s.unref();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

/** One port nothing listens on; several to be bound later come from `freePorts` (they must differ). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * The node flags `npm start` and docker/ run the compiled engine with (scripts/start.sh, docker/Dockerfile,
 * docker/compose.yml; test/docker.e2e-spec.ts checks they agree): the bench's --compiled runs the same.
 */
export const PRODUCTION_NODE_FLAGS = ['--disable-proto=throw', '--max-old-space-size=256'];

/** Starts apps/<app>/src/main.ts as its own node process; its output goes to logFile. */
export function startApp(app: 'api' | 'worker', env: Record<string, string>, logFile: string, compiled = false): Proc {
  // compiled: the tsc build (npm run build), as production runs it; otherwise transpiled on load by swc-node.
  const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []; // e.g. --prof
  // BENCH_COUNT_DIR in env: preload the work counter (bench/work-counter.ts), compiled or not like the app.
  const counter = env.BENCH_COUNT_DIR ? ['-r', compiled ? './dist/bench/work-counter.js' : './bench/work-counter.ts'] : [];
  const args = [
    ...extra,
    ...(compiled
      ? [...PRODUCTION_NODE_FLAGS, ...counter, `dist/apps/${app}/src/main.js`]
      : ['-r', '@swc-node/register', ...counter, `apps/${app}/src/main.ts`]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name: app, child, exited };
}

export async function stopApp(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(t);
}

export async function waitForHealth(baseUrl: string, timeoutMs = 60_000, proc?: Proc): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode} before answering /health`);
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.status === 200) {
        const body = (await r.json()) as { status?: string };
        if (body.status === 'ok') return;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) throw new Error(`${baseUrl}/health did not answer ok within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Resident set size of a process in MB (Linux /proc), 0 when it is gone. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(xs: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN) };
}

export const round = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

export interface HttpReply {
  status: number;
  body: any;
  ms: number;
  /** The API's Server-Timing stages (ms), when it sent them. */
  stages?: Record<string, number>;
}

/** `api;dur=1.2, queue;dur=0.4` → { api: 1.2, queue: 0.4 } */
export function parseServerTiming(h: string | null): Record<string, number> | undefined {
  if (!h) return undefined;
  const out: Record<string, number> = {};
  for (const part of h.split(',')) {
    const m = /^\s*([\w-]+)\s*;\s*dur=([\d.]+)/.exec(part);
    if (m) out[m[1]] = Number(m[2]);
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Connections kept open across requests, as a browser or a balancer keeps them. The driver shares the two
 * cores with the engine it measures, so its own cost per request counts against the engine: `fetch`
 * (undici behind WHATWG streams, a Headers object and an AbortSignal timer per call) spent about 1 ms of CPU
 * per command in the closed loop, node:http on a keep-alive agent spends less (docs/performance.md).
 */
// An idle socket is closed after 4 s, before the API's 5 s keep-alive ends it under a request in flight.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo', timeout: 4_000 });

/** One JSON request, timed (round trip including body read). */
export function http(
  baseUrl: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<HttpReply> {
  const t0 = performance.now();
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise<HttpReply>((resolve, reject) => {
    const req = request(
      baseUrl + path,
      {
        method,
        agent,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const ms = performance.now() - t0;
          let parsed: any = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          const timing = res.headers['server-timing'];
          resolve({ status: res.statusCode ?? 0, body: parsed, ms, stages: parseServerTiming(typeof timing === 'string' ? timing : null) });
        });
      },
    );
    // No answer within the time: the request fails as fetch's AbortSignal.timeout made it fail.
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A distinct, valid GB 11643 number for seed patient n (birth date walks one day per 1,000 patients). */
export function residentIdFor(n: number): string {
  const birth = new Date(Date.UTC(1930, 0, 1) + Math.floor(n / 1000) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const body = `310104${birth}${String(n % 1000).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = body.split('').reduce((acc, d, i) => acc + Number(d) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

/**
 * The whole machine's CPU seconds so far, busy (every state but idle and iowait) and in all, summed over
 * its cores (Linux /proc/stat, clock ticks of 10 ms). What the bench's processes add up to is checked
 * against it: a share nobody is charged with shows up as the difference.
 */
export function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, t) => a + t, 0);
    // user nice system idle iowait irq softirq steal …: idle and iowait are the 4th and 5th
    return { busy: (total - ticks[3] - ticks[4]) / 100, total: total / 100 };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, clock ticks of 10 ms). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
