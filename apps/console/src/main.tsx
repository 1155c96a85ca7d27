import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { auth, Claims, decodeClaims, live, session } from './api';
import { AppCtx } from './app';
import { Lang, translator } from './i18n';
import { Audit } from './screens/audit';
import { BedBoard } from './screens/bed-board';
import { Escalations } from './screens/escalations';
import { Inbox } from './screens/inbox';
import { InstitutionBeds } from './screens/institution-beds';
import { Journey } from './screens/journey';
import { Login } from './screens/login';
import { Outbox } from './screens/outbox';
import { Account } from './screens/account';
import { Users } from './screens/users';
import { Surge } from './screens/surge';
import { PERMISSIONS } from '../../../libs/domain/src/access/permissions';
import { Agreements } from './screens/agreements';
import { Patients } from './screens/patients';
import { Programmes } from './screens/programmes';
import { ReferralDetail } from './screens/referral-detail';
// ECharts is most of the bundle's weight: only the dashboard loads it, on first use.
const DashboardScreen = lazy(() => import('./screens/dashboard').then((m) => ({ default: m.DashboardScreen })));
import './styles.css';

/** Which views each role works in, first one is home. */
const VIEWS_OF: Record<string, string[]> = {
  DISCHARGE_PLANNER: ['outbox', 'board', 'inbox', 'patients', 'journey', 'audit', 'agreements', 'account'],
  COMMUNITY_COORDINATOR: ['inbox', 'board', 'programmes', 'patients', 'outbox', 'journey', 'audit', 'agreements', 'account'],
  CARE_HOME_ADMISSIONS: ['inbox', 'board', 'programmes', 'patients', 'outbox', 'journey', 'audit', 'agreements', 'account'],
  FAMILY_DOCTOR: ['journey', 'outbox', 'patients', 'board', 'account'],
  DISTRICT_COORDINATOR: ['dashboard', 'escalations', 'board', 'programmes', 'agreements', 'patients', 'journey', 'audit', 'users', 'account'],
  AUDITOR: ['audit', 'dashboard', 'board', 'journey', 'account'],
};

/**
 * Views shown to whoever the API's permission table lets act there (the same table the API checks),
 * placed before "my account". Surge: the origin institution's staff (SubmitSurge).
 */
const PERMITTED_VIEWS: [view: string, action: keyof typeof PERMISSIONS][] = [['surge', 'SubmitSurge']];
function viewsOf(claims: Claims): string[] {
  const base = VIEWS_OF[claims.role] ?? ['board'];
  const extra = PERMITTED_VIEWS.filter(([v, a]) => !base.includes(v) && (PERMISSIONS[a].roles as readonly string[]).includes(claims.role) && !!claims.inst).map(
    ([v]) => v,
  );
  const at = base.includes('account') ? base.indexOf('account') : base.length;
  return [...base.slice(0, at), ...extra, ...base.slice(at)];
}

function route(): { view: string; arg?: string } {
  const [view, arg] = location.hash.replace(/^#\/?/, '').split('/');
  return { view: view || '', arg: arg || undefined };
}

function App() {
  const [lang, setLang] = useState<Lang>(() => (localStorage.getItem('bedlink.lang') === 'en' ? 'en' : 'zh-CN'));
  const t = useMemo(() => translator(lang), [lang]);
  // a pasted developer token (this tab only), else the session cookie's claims from /auth/session
  const [token, setToken] = useState<string | null>(() => session.get());
  const [sessionClaims, setSessionClaims] = useState<Claims | null>(null);
  const [checked, setChecked] = useState(false);
  const claims: Claims | null = token ? decodeClaims(token) : sessionClaims;
  useEffect(() => {
    if (token) return setChecked(true);
    void auth.current().then((c) => {
      setSessionClaims(c);
      setChecked(true);
    });
  }, [token]);
  const [r, setR] = useState(route());
  const [up, setUp] = useState(false);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app');
    localStorage.setItem('bedlink.lang', lang);
  }, [lang, t]);
  useEffect(() => {
    const on = () => setR(route());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    if (!claims) return;
    live.start(token);
    const off = live.onStatus(setUp);
    return () => {
      off();
      live.stop();
    };
    // restart only when who is signed in changes
  }, [token, claims?.sub]);

  const header = (
    <header className="top">
      <h1>{t('app')}</h1>
      <div className="row">
        {claims && (
          <span className={`live ${up ? 'up' : 'down'}`} role="status" data-testid="live">
            {up ? `● ${t('live')}` : `○ ${t('offline')}`}
          </span>
        )}
        {claims && (
          <span data-testid="whoami">
            {t(`role.${claims.role}`)} · {claims.name ?? claims.sub}
          </span>
        )}
        <button type="button" className="link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} title={t('langLabel')} data-testid="lang">
          {/* the visible name is the accessible name (WCAG 2.5.3), spoken in its own language */}
          <span lang={lang === 'en' ? 'zh-CN' : 'en'}>{t('lang')}</span>
        </button>
        {claims && (
          <button
            type="button"
            className="link"
            data-testid="logout"
            onClick={() => {
              void auth.logout().then(() => {
                setToken(null);
                setSessionClaims(null);
                location.hash = '';
              });
            }}
          >
            {t('logout')}
          </button>
        )}
      </div>
    </header>
  );

  if (!claims) {
    return (
      <>
        {header}
        <main>
          {checked && (
            <Login
              t={t}
              onLogin={(c) => {
                location.hash = '';
                setSessionClaims(c);
              }}
              onToken={(tok) => {
                session.set(tok);
                setToken(tok);
              }}
            />
          )}
        </main>
      </>
    );
  }
  const views = viewsOf(claims);
  const view = r.view === 'beds' || r.view === 'referral' || views.includes(r.view) ? r.view : views[0];
  const go = (v: string, arg?: string) => {
    location.hash = `#/${v}${arg ? `/${arg}` : ''}`;
  };
  return (
    <AppCtx.Provider value={{ t, claims, go }}>
      {header}
      <nav aria-label="main">
        <ul>
          {views.map((v) => (
            <li key={v}>
              <a href={`#/${v}`} aria-current={view === v ? 'page' : undefined} data-testid={`nav-${v}`}>
                {t(`nav.${v}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main>
        {view === 'board' && <BedBoard />}
        {view === 'beds' && r.arg && <InstitutionBeds id={r.arg} />}
        {view === 'outbox' && <Outbox />}
        {view === 'inbox' && <Inbox />}
        {view === 'escalations' && <Escalations />}
        {view === 'journey' && <Journey key={r.arg} initial={r.arg} />}
        {view === 'audit' && <Audit key={r.arg} initial={r.arg} />}
        {view === 'account' && <Account onClaims={setSessionClaims} />}
        {view === 'users' && <Users />}
        {view === 'surge' && <Surge />}
        {view === 'programmes' && <Programmes />}
        {view === 'patients' && <Patients />}
        {view === 'agreements' && <Agreements />}
        {view === 'referral' && r.arg && <ReferralDetail key={r.arg} id={r.arg} />}
        {view === 'dashboard' && (
          <Suspense fallback={<p className="muted">{t('loading')}</p>}>
            <DashboardScreen />
          </Suspense>
        )}
      </main>
    </AppCtx.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
