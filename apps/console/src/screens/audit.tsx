import { useMemo, useState } from 'react';
import { api } from '../api';
import { useApp } from '../app';
import { useLoad } from '../hooks';
import { eventLabel } from '../i18n';
import { Referral } from '../model';
import { CsvButton, ErrorBox, fmtTime, Head, Loading, LookupForm } from '../ui';

/** A referral's audit trail, record by record, and a check of its hash chain on the server. */
export function Audit({ initial }: { initial?: string }) {
  const { t } = useApp();
  const [shown, setShown] = useState(initial ?? '');
  const [verify, setVerify] = useState(false);
  const trail = useLoad<any>(() => (shown ? api.get(`/referrals/${shown}/audit${verify ? '?verify=true' : ''}`) : Promise.resolve(null)), [shown, verify]);
  const recent = useLoad(() => api.get<Referral[]>('/referrals?limit=20'), []);
  const v = trail.data?.verification;
  const records: any[] = useMemo(() => trail.data?.records ?? [], [trail.data]);
  const show = (id: string) => {
    setVerify(false);
    setShown(id);
  };
  const datalist = (
    <datalist id="recent-referrals">
      {(recent.data ?? []).map((r) => (
        <option key={r.id} value={r.id}>
          {t(`referralState.${r.state}`)} · {r.origin.name}
        </option>
      ))}
    </datalist>
  );
  return (
    <section aria-labelledby="a-h">
      <h2 id="a-h">{t('audit.title')}</h2>
      <LookupForm
        label={t('audit.referralId')}
        button={t('audit.load')}
        initial={initial}
        onShow={show}
        testId="audit-id"
        list="recent-referrals"
        inLabel={datalist}
      >
        <button type="button" disabled={!shown} onClick={() => (verify ? trail.reload() : setVerify(true))} data-testid="verify">
          {t('audit.verify')}
        </button>
      </LookupForm>
      <ErrorBox error={trail.error} />
      {v && (
        <p role="status" className={v.ok ? 'ok' : 'error'} data-testid="verify-result">
          {v.ok ? t('audit.ok') : `${t('audit.broken')}: ${v.firstBreak?.problem ?? ''}`} ({v.records} {t('audit.records')})
        </p>
      )}
      {shown && (
        <Loading loading={trail.loading} empty={!records.length}>
          <CsvButton
            name="audit"
            rows={() => [
              [t('audit.seq'), t('audit.time'), t('audit.event'), t('audit.actor'), t('users.role'), t('reason'), t('audit.hash')],
              ...records.map((a) => [a.seq, a.occurredAt, a.eventType, a.actor.user, a.actor.role, a.reason ?? '', a.hash]),
            ]}
          />
          <table className="audit" data-testid="audit-trail">
            <Head columns={[t('audit.seq'), t('audit.time'), t('audit.event'), t('audit.actor'), t('reason'), t('audit.hash')]} />
            <tbody>
              {records.map((a) => (
                <tr key={a.eventId}>
                  <td>{a.seq}</td>
                  <td>{fmtTime(a.occurredAt)}</td>
                  <td title={a.eventType}>{eventLabel(t, a.eventType)}</td>
                  <td>
                    {a.actor.user} <span className="muted small">({t(`role.${a.actor.role}`)})</span>
                  </td>
                  <td>{a.reason ?? '—'}</td>
                  <td>
                    <code title={a.hash}>{String(a.hash).slice(0, 12)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Loading>
      )}
    </section>
  );
}
