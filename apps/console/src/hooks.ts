import { useCallback, useEffect, useRef, useState } from 'react';
import { api, live, LiveEvent } from './api';
import { liveReloader } from './live-reload';
import { Institution } from './model';

/** Loads data, reloads on demand; keeps showing the last good data while reloading. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const loaded = useRef(false);
  const reload = useCallback(() => {
    const n = ++seq.current;
    // Live reloads keep the current view; only a first load (or a new argument) shows "loading".
    if (!loaded.current) setLoading(true);
    fn().then(
      (d) => {
        if (n !== seq.current) return;
        loaded.current = true;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e) => {
        if (n !== seq.current) return;
        setError(e);
        setLoading(false);
      },
    );
    // The caller names the dependencies (useLoad's deps argument); no react-hooks lint plugin here.
  }, deps);
  useEffect(() => {
    loaded.current = false;
    reload();
  }, [reload]);
  return { data, error, loading, reload };
}

export const useInstitutions = () => useLoad(() => api.get<Institution[]>('/institutions'), []);

/**
 * A write started from a button: busy while it runs, its error kept for an ErrorBox, onDone after
 * success (typically a reload). Resolves to whether it succeeded.
 */
export function useAction(onDone?: () => void) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      onDone?.();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error };
}

/** Reload when a matching live event arrives, a burst coalesced (live-reload.ts). */
export function useLive(match: (e: LiveEvent) => boolean, reload: () => void, onEvent?: (e: LiveEvent) => void) {
  const m = useRef(match);
  const r = useRef(reload);
  const o = useRef(onEvent);
  m.current = match;
  r.current = reload;
  o.current = onEvent;
  useEffect(() => {
    const reloader = liveReloader(() => r.current());
    const off = live.on((e) => {
      if (!m.current(e)) return;
      o.current?.(e);
      reloader.event();
    });
    return () => {
      off();
      reloader.stop();
    };
  }, []);
}

export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const i = window.setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(i);
  }, [ms]);
  return now;
}
