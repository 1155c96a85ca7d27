import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { liveReloader } from './live-reload';

describe('live reloads', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** The times (ms from the first event) at which the screen reloaded. */
  function reloadsFor(eventsAt: number[], until = 10_000): number[] {
    const start = Date.now();
    const at: number[] = [];
    const r = liveReloader(() => at.push(Date.now() - start));
    let t = 0;
    for (const e of eventsAt) {
      jest.advanceTimersByTime(e - t);
      t = e;
      r.event();
    }
    jest.advanceTimersByTime(until - t);
    r.stop();
    return at;
  }

  it('one event: now, when the projection has caught up, and once more after the stream went quiet', () => {
    expect(reloadsFor([0])).toEqual([0, 400, 1500]);
  });

  it('a burst of 100 events in one second reloads a handful of times, at most once per 400 ms while it lasts', () => {
    const at = reloadsFor(Array.from({ length: 100 }, (_, i) => i * 10));
    expect(at.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(400);
    // the last event is followed by a reload, and the view settles after the stream went quiet
    expect(at.some((t) => t >= 990 && t <= 990 + 400)).toBe(true);
    expect(at[at.length - 1]).toBe(990 + 1500);
  });

  it('a steady stream never starves the screen: a reload every 400 to 500 ms while it lasts', () => {
    const at = reloadsFor(Array.from({ length: 50 }, (_, i) => i * 100));
    const during = at.filter((t) => t <= 4900 + 400);
    for (let i = 1; i < during.length; i++) expect(during[i] - during[i - 1]).toBeLessThanOrEqual(500);
    expect(during.length).toBeGreaterThanOrEqual(10);
    expect(at[at.length - 1]).toBe(4900 + 1500);
  });

  it('events far apart each get their three reloads; stop cancels what is pending', () => {
    expect(reloadsFor([0, 5000])).toEqual([0, 400, 1500, 5000, 5400, 6500]);
    const at: number[] = [];
    const r = liveReloader(() => at.push(1));
    r.event();
    r.stop();
    jest.advanceTimersByTime(5000);
    expect(at).toEqual([1]);
  });
});
