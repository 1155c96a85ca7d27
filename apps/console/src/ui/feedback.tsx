import { ReactNode } from 'react';
import { ApiError } from '../api';
import { useApp } from '../app';
import { useNow } from '../hooks';

/** The API's code as a translated message; the server's text stays available as a tooltip. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useApp();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'UNKNOWN';
  const detail = error instanceof Error ? error.message : JSON.stringify(error);
  const msg = t(`errors.${code}`);
  // a refusal that says why as data (eligibility: age, expiry, grade) is explained in the user's language
  const d = error instanceof ApiError ? error.details : undefined;
  const whyKey = typeof d?.reason === 'string' ? `why.${d.reason}` : '';
  const why = whyKey ? t(whyKey, Object.fromEntries(Object.entries(d!).map(([k, v]) => [k, String(v)]))) : '';
  return (
    <div role="alert" className="error" data-testid="error" data-code={code} data-reason={whyKey ? String(d!.reason) : undefined} title={detail}>
      {msg === `errors.${code}` ? code : msg}
      {why && why !== whyKey ? ` — ${why}` : ''} <small>({code})</small>
    </div>
  );
}

export function Loading({ loading, empty, children }: { loading: boolean; empty: boolean; children: ReactNode }) {
  const { t } = useApp();
  if (loading && empty) return <p className="muted">{t('loading')}</p>;
  if (empty) return <p className="muted empty">{t('empty')}</p>;
  return <>{children}</>;
}

/** A referral's or an offer's state, translated from the `kind` table (referralState, offerState). */
export function StateBadge({ state, kind = 'referralState' }: { state: string; kind?: string }) {
  const { t } = useApp();
  return (
    <span className={`badge st-${state}`} data-testid="state" data-state={state}>
      {t(`${kind}.${state}`)}
    </span>
  );
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

export const fmtTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
export const short = (id: string | null | undefined) => (id ? id.slice(0, 8) : '—');
