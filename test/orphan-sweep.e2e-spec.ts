import { ChildProcess, spawn } from 'node:child_process';
import { pidAlive, sweepOrphans } from './support/global-setup';

/**
 * A run killed hard leaves its pgbouncer, redis-servers and engine processes behind; the next run's global
 * setup kills those whose run is over, and nothing of a run still going (its own, or another checkout's).
 */
describe('global setup sweeps the processes of test runs that were killed', () => {
  const started: ChildProcess[] = [];
  const start = (run: string): ChildProcess => {
    const p = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { env: { ...process.env, BEDLINK_TEST_RUN: run }, stdio: 'ignore' });
    started.push(p);
    return p;
  };
  const exited = (p: ChildProcess) =>
    new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));
  afterAll(async () => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(started.map(exited));
  });

  it('kills a process whose run is over, and leaves this run and a live one alone', async () => {
    // a run that is over: a pid that has exited
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await exited(gone);
    expect(pidAlive(gone.pid!)).toBe(false);
    const orphan = start(String(gone.pid));
    const ours = start(String(process.env.BEDLINK_TEST_RUN));
    const otherLiveRun = start(String(process.pid));
    await new Promise((r) => setTimeout(r, 200)); // the environments are readable once the children have started

    const killed = sweepOrphans();

    expect(killed).toContain(orphan.pid);
    expect(killed).not.toContain(ours.pid);
    expect(killed).not.toContain(otherLiveRun.pid);
    await exited(orphan);
    expect(orphan.signalCode).toBe('SIGKILL');
    expect(pidAlive(ours.pid!)).toBe(true);
    expect(pidAlive(otherLiveRun.pid!)).toBe(true);
  });
});
