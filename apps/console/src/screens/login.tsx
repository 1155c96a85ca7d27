import { FormEvent, useState } from 'react';
import { decodeClaims } from '../api';
import { T } from '../i18n';

/** Shown before any claims exist, so it takes the translator as a prop rather than from the app context. */
export function Login({ onLogin, t }: { onLogin: (token: string) => void; t: T }) {
  const [token, setToken] = useState('');
  const [bad, setBad] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const tok = token.trim().replace(/^Bearer\s+/i, '');
    if (!decodeClaims(tok)) return setBad(true);
    onLogin(tok);
  };
  return (
    <form className="card login" onSubmit={submit} aria-labelledby="login-h">
      <h2 id="login-h">{t('login')}</h2>
      <label>
        {t('tokenLabel')}
        <textarea
          value={token}
          onChange={(e) => setToken(e.target.value)}
          rows={4}
          required
          aria-describedby="token-help"
          aria-invalid={bad}
          data-testid="token"
        />
      </label>
      <p id="token-help" className="muted small">
        {t('tokenHelp')}
      </p>
      {bad && (
        <div role="alert" className="error">
          {t('badToken')}
        </div>
      )}
      <button type="submit" data-testid="login">
        {t('login')}
      </button>
    </form>
  );
}
