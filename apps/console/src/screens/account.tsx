import { FormEvent, useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { api, auth, Claims } from '../api';
import { useApp } from '../app';
import { useAction } from '../hooks';
import { ErrorBox, TextField } from '../ui';

/** One's own account: change the password, turn two-step verification on. */
export function Account({ onClaims }: { onClaims: (c: Claims) => void }) {
  const { t, claims } = useApp();
  if (claims.via === 'OIDC' || claims.via === 'TOKEN' || !claims.via)
    return (
      <section aria-labelledby="acc-h">
        <h2 id="acc-h">{t('account.title')}</h2>
        <p className="muted">{claims.via === 'OIDC' ? t('account.viaOidc') : t('account.viaToken')}</p>
      </section>
    );
  return (
    <section aria-labelledby="acc-h">
      <h2 id="acc-h">{t('account.title')}</h2>
      <p>
        {claims.name} · {claims.sub} · {t(`role.${claims.role}`)}
      </p>
      <PasswordCard />
      <TotpCard on={!!claims.totp} onOn={() => onClaims({ ...claims, totp: true })} />
    </section>
  );
}

function PasswordCard() {
  const { t } = useApp();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [saved, setSaved] = useState(false);
  const { run, busy, error } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    void run(async () => {
      auth.adopt(await api.post('/auth/password', { currentPassword: current, newPassword: next }));
      setCurrent('');
      setNext('');
      setSaved(true);
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="pw-h">
      <h3 id="pw-h">{t('account.changePassword')}</h3>
      <TextField label={t('account.current')} type="password" autoComplete="current-password" value={current} onChange={setCurrent} required />
      <TextField label={t('account.next')} type="password" autoComplete="new-password" minLength={10} value={next} onChange={setNext} required />
      <ErrorBox error={error} />
      {saved && (
        <p role="status" className="ok">
          {t('account.saved')}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {t('account.save')}
      </button>
    </form>
  );
}

function TotpCard({ on, onOn }: { on: boolean; onOn: () => void }) {
  const { t } = useApp();
  const [setup, setSetup] = useState<{ secret: string; uri: string; pending: string } | null>(null);
  const [code, setCode] = useState('');
  const { run, busy, error } = useAction();
  return (
    <div className="card" aria-labelledby="totp-h">
      <h3 id="totp-h">
        {t('account.totpTitle')}: <span data-testid="totp-state">{on ? t('account.totpOn') : t('account.totpOff')}</span>
      </h3>
      {!on && !setup && (
        <button type="button" disabled={busy} onClick={() => void run(async () => setSetup(await api.post('/auth/totp/setup')))}>
          {t('account.totpSetup')}
        </button>
      )}
      {!on && setup && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              auth.adopt(await api.post('/auth/totp/enable', { pending: setup.pending, code }));
              setSetup(null);
              onOn();
            });
          }}
        >
          <TotpQr uri={setup.uri} />
          <p>
            {t('totp.manual')} · {t('account.totpSecret')}: <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <TextField label={t('account.totpCode')} inputMode="numeric" value={code} onChange={(v) => setCode(v.replace(/\D/g, '').slice(0, 6))} required />
          <button type="submit" disabled={busy}>
            {t('account.totpEnable')}
          </button>
        </form>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/**
 * The otpauth:// URI as a QR code, drawn in the browser (qrcode's SVG, shown as a data URL): the
 * secret never leaves the page for a chart service. The key stays readable beside it for manual entry.
 */
function TotpQr({ uri }: { uri: string }) {
  const { t } = useApp();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then((svg) => {
      if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      live = false;
    };
  }, [uri]);
  return (
    <figure className="qr">
      {src && <img src={src} width={200} height={200} alt={t('totp.qr')} data-testid="totp-qr" />}
      <figcaption>{t('totp.qr')}</figcaption>
    </figure>
  );
}
