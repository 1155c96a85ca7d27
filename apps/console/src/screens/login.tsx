import { FormEvent, useEffect, useState } from 'react';
import { ApiError, auth, Claims, decodeClaims } from '../api';
import { T } from '../i18n';

/** The code an identity provider's failed return left in the address (#/login?error=CODE). */
function returnedError(): string | null {
  const m = /[?&]error=([A-Z_]+)/.exec(location.hash);
  return m ? m[1] : null;
}

/**
 * Sign-in: username and password (then the authenticator's code when the account has one), the
 * identity provider when configured, and for developers a pasted token. Shown before any claims
 * exist, so it takes the translator as a prop rather than from the app context.
 */
export function Login({ onLogin, onToken, t }: { onLogin: (c: Claims) => void; onToken: (token: string) => void; t: T }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<string | null>(returnedError());
  const [busy, setBusy] = useState(false);
  const [oidc, setOidc] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [badToken, setBadToken] = useState(false);

  useEffect(() => {
    void auth.oidc().then((o) => setOidc(o.enabled ? o.loginUrl : null));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await auth.login(username, password, needTotp ? totp : undefined));
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'UNKNOWN';
      if (code === 'TOTP_REQUIRED') setNeedTotp(true);
      else setError(code);
    } finally {
      setBusy(false);
    }
  };
  const submitToken = (e: FormEvent) => {
    e.preventDefault();
    const tok = token.trim().replace(/^Bearer\s+/i, '');
    if (!decodeClaims(tok)) return setBadToken(true);
    onToken(tok);
  };
  const msg = (code: string) => {
    const key = `signin.error.${code}`;
    const s = t(key);
    return s === key ? t(`errors.${code}`) : s;
  };

  return (
    <div className="login-wrap">
      <form className="card login" onSubmit={submit} aria-labelledby="login-h">
        <h2 id="login-h">{t('signin.title')}</h2>
        <label>
          {t('signin.username')}
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required data-testid="username" />
        </label>
        <label>
          {t('signin.password')}
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
            data-testid="password"
          />
        </label>
        {needTotp && (
          <label>
            {t('signin.totp')}
            <input
              value={totp}
              onChange={(e) => setTotp(e.target.value.replace(/\D/g, '').slice(0, 6))}
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              autoFocus
              data-testid="totp"
            />
          </label>
        )}
        {error && (
          <div role="alert" className="error" data-testid="signin-error" data-code={error}>
            {msg(error)}
          </div>
        )}
        <button type="submit" disabled={busy} data-testid="signin">
          {t('signin.submit')}
        </button>
        {oidc && (
          <p>
            <a className="button secondary" href={oidc} data-testid="signin-oidc">
              {t('signin.oidc')}
            </a>
          </p>
        )}
        <p className="muted small">{t('signin.help')}</p>
      </form>
      <details className="card login">
        <summary>{t('signin.developer')}</summary>
        <form onSubmit={submitToken}>
          <label>
            {t('tokenLabel')}
            <textarea
              value={token}
              onChange={(e) => setToken(e.target.value)}
              rows={4}
              required
              aria-describedby="token-help"
              aria-invalid={badToken}
              data-testid="token"
            />
          </label>
          <p id="token-help" className="muted small">
            {t('tokenHelp')}
          </p>
          {badToken && (
            <div role="alert" className="error">
              {t('badToken')}
            </div>
          )}
          <button type="submit" data-testid="login">
            {t('login')}
          </button>
        </form>
      </details>
    </div>
  );
}
