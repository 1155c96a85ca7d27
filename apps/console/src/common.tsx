import { createContext, ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError, Claims, live, LiveEvent } from './api';
import { T } from './i18n';

export interface Ctx {
  t: T;
  claims: Claims;
  go: (view: string, arg?: string) => void;
}
export const AppCtx = createContext<Ctx>(null as unknown as Ctx);
export const useApp = () => useContext(AppCtx);

/** The API's code as a translated message; the server's text stays available as a tooltip. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useApp();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'UNKNOWN';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error is shown as-is (a string in practice)
  const detail = error instanceof Error ? error.message : String(error);
  const msg = t(`errors.${code}`);
  return (
    <div role="alert" className="error" data-testid="error" data-code={code} title={detail}>
      {msg === `errors.${code}` ? code : msg} <small>({code})</small>
    </div>
  );
}

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
    // The caller's deps decide when to reload, as for useEffect (fn is a new closure on every render).
  }, deps);
  useEffect(() => {
    loaded.current = false;
    reload();
  }, [reload]);
  return { data, error, loading, reload };
}

/**
 * Reload when a matching live event arrives. Read models behind the worker's projections lag the
 * event by a moment, so reload now and once more shortly after.
 */
export function useLive(match: (e: LiveEvent) => boolean, reload: () => void, onEvent?: (e: LiveEvent) => void) {
  const m = useRef(match);
  const r = useRef(reload);
  const o = useRef(onEvent);
  m.current = match;
  r.current = reload;
  o.current = onEvent;
  useEffect(() => {
    const timers: number[] = [];
    const off = live.on((e) => {
      if (!m.current(e)) return;
      o.current?.(e);
      r.current();
      timers.push(window.setTimeout(() => r.current(), 400), window.setTimeout(() => r.current(), 1500));
    });
    return () => {
      off();
      timers.forEach(clearTimeout);
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

export function Countdown({ until }: { until: string | null }) {
  const { t } = useApp();
  const now = useNow();
  if (!until) return <span>—</span>;
  const left = new Date(until).getTime() - now;
  if (left <= 0) return <span className="late">{t('outbox.expired')}</span>;
  const s = Math.floor(left / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const txt = `${h ? `${h}:` : ''}${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
  return (
    <time className={left < 15 * 60_000 ? 'soon' : ''} dateTime={until} aria-label={`${t('outbox.deadline')} ${txt}`}>
      {txt}
    </time>
  );
}

export function Loading({ loading, empty, children }: { loading: boolean; empty: boolean; children: ReactNode }) {
  const { t } = useApp();
  if (loading && empty) return <p className="muted">{t('loading')}</p>;
  if (empty) return <p className="muted empty">{t('empty')}</p>;
  return <>{children}</>;
}

export const fmtTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
export const short = (id: string | null | undefined) => (id ? id.slice(0, 8) : '—');
