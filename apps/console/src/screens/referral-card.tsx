import { useState } from 'react';
import { api } from '../api';
import { useApp } from '../app';
import { useAction } from '../hooks';
import { LIVE_OFFER, Referral } from '../model';
import { CardHeader, Countdown, ErrorBox, fmtTime, Head, LinkButton, short, StateBadge, TextField } from '../ui';

const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'REJECTED'];

/** One sent referral in the outbox: its offers with their deadlines, and what the planner can do next. */
export function ReferralCard({ r, hasCandidates, onChanged, onAudit }: { r: Referral; hasCandidates: boolean; onChanged: () => void; onAudit: () => void }) {
  const { t, go } = useApp();
  const { run, error } = useAction(onChanged);
  const [reason, setReason] = useState('');
  const [candidates, setCandidates] = useState<any[] | null>(null);
  const terminal = TERMINAL.includes(r.state);
  return (
    <li className="card" data-testid={`referral-${r.id}`}>
      <CardHeader
        title={
          <>
            {t(`kind.${r.requestedKind}`)} · {t(`urgency.${r.urgency}`)}
          </>
        }
      >
        <StateBadge state={r.state} />
      </CardHeader>
      <p className="small muted">
        {short(r.id)} · {fmtTime(r.createdAt)}
      </p>
      <p>{r.clinicalSummary}</p>
      {r.offers.length > 0 && (
        <table className="small">
          <caption className="sr-only">{t('outbox.offers')}</caption>
          <Head columns={[t('outbox.target'), t('state'), t('outbox.deadline')]} />
          <tbody>
            {r.offers.map((o) => (
              <tr key={o.id}>
                <td>{o.targetName ?? short(o.targetInstitutionId)}</td>
                <td>
                  <StateBadge state={o.state} kind="offerState" />
                  {o.declineReason ? ` · ${t(`decline.${o.declineReason}`)}` : ''}
                </td>
                <td>{LIVE_OFFER.includes(o.state) ? <Countdown until={o.deadlineAt} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasCandidates && !terminal && (
        <LinkButton onClick={() => run(async () => setCandidates(await api.get<any[]>(`/referrals/${r.id}/candidates`)))}>{t('outbox.candidates')}</LinkButton>
      )}
      {candidates && (
        <ol className="small">
          {candidates.map((c: any, i: number) => (
            <li key={c.institutionId ?? i}>
              {c.name ?? c.institutionName ?? short(c.institutionId)} {c.score != null ? `(${c.score})` : ''}{' '}
              {Array.isArray(c.explanation ?? c.reasons) ? `— ${(c.explanation ?? c.reasons).join('; ')}` : c.explanation ? `— ${c.explanation}` : ''}
            </li>
          ))}
        </ol>
      )}
      <div className="row">
        {r.state === 'ACCEPTED' && (
          <button type="button" onClick={() => run(() => api.post(`/referrals/${r.id}/start-transfer`))} data-testid="start-transfer">
            {t('outbox.startTransfer')}
          </button>
        )}
        {!terminal && r.state !== 'IN_TRANSFER' && (
          <>
            <TextField label={t('outbox.cancelReason')} hideLabel placeholder={t('outbox.cancelReason')} value={reason} onChange={setReason} maxLength={1000} />
            <button
              type="button"
              className="danger"
              disabled={!reason.trim()}
              onClick={() => run(() => api.post(`/referrals/${r.id}/cancel`, { reason: reason.trim() }))}
            >
              {t('outbox.cancel')}
            </button>
          </>
        )}
        <LinkButton onClick={() => go('referral', r.id)}>{t('outbox.detail')}</LinkButton>
        <LinkButton onClick={onAudit}>{t('outbox.audit')}</LinkButton>
      </div>
      <ErrorBox error={error} />
    </li>
  );
}
