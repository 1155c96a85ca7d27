import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where a command's time goes, stage by stage (docs/performance.md, "Latency budget"). Marks are
 * epoch milliseconds with sub-millisecond precision (performance.timeOrigin + now()), so marks
 * taken in the API and in the worker on one machine can be subtracted from each other.
 * Recording is a property write on an object the caller opted into: free when nobody listens.
 */
export type StageMarks = Record<string, number>;

const current = new AsyncLocalStorage<StageMarks>();

export const epochMs = (): number => performance.timeOrigin + performance.now();

/** Runs fn with `marks` as the place where stageMark() writes, for everything fn awaits. */
export function withStages<T>(marks: StageMarks, fn: () => T): T {
  return current.run(marks, fn);
}

/** Notes that `stage` was reached now (first time only), if a caller is recording. */
export function stageMark(stage: string): void {
  const marks = current.getStore();
  if (marks && marks[stage] === undefined) marks[stage] = epochMs();
}

/**
 * A command's stages as a `Server-Timing` header value (durations in ms): api (request received →
 * enqueue), enqueue (Redis add), queue (added → worker took it), handler (taken → COMMIT sent),
 * commit, back (committed → the API has the result).
 */
export function serverTiming(m: StageMarks): string {
  const span = (a: string, b: string) => (Number.isFinite(m[a]) && Number.isFinite(m[b]) ? Math.max(0, m[b] - m[a]) : undefined);
  const parts: [string, number | undefined][] = [
    ['api', span('received', 'enqueue')],
    ['enqueue', span('enqueue', 'enqueued')],
    ['queue', span('added', 'started')],
    ['handler', span('started', 'commitStart')],
    ['commit', span('commitStart', 'committed')],
    ['back', span(m.committed !== undefined ? 'committed' : 'finished', 'result')],
  ];
  return parts
    .filter(([, d]) => d !== undefined)
    .map(([n, d]) => `${n};dur=${d!.toFixed(2)}`)
    .join(', ');
}
