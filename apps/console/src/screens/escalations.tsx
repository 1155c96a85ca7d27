import { useState } from 'react';
import { api } from '../api';
import { useApp } from '../app';
import { T } from '../i18n';
import { useAction, useInstitutions, useLive, useLoad } from '../hooks';
import { Institution, isReferralEvent, Referral } from '../model';
import { CardHeader, CheckGroup, CsvButton, ErrorBox, fmtTime, LinkButton, short, StateBadge, TextField, toggled } from '../ui';

/**
 * The district coordinator's escalated referrals to reroute or close. Live: a referral that escalates
 * anywhere in the district (an offer declined or expired with no one left, a surge's unplaced patients)
 * arrives over the event stream without a reload, and is announced to screen readers.
 */
export function Escalations() {
  const { t, go } = useApp();
  const list = useLoad(() => api.get<Referral[]>('/referrals?state=ESCALATED&limit=100'), []);
  const insts = useInstitutions();
  const [flash, setFlash] = useState('');
  useLive(isReferralEvent, list.reload, (e) => {
    if (e.type === 'ReferralEscalated') setFlash(`${t('escLive.arrived')} · ${new Date(e.occurredAt).toLocaleTimeString()}`);
  });
  const rows = list.data ?? [];
  return (
    <section aria-labelledby="esc-h">
      <div className="row between">
        <h2 id="esc-h">{t('esc.title')}</h2>
        {rows.length > 0 && (
          <CsvButton
            name="escalations"
            rows={() => [
              [
                t('outbox.patient'),
                t('inbox.from'),
                t('outbox.requestedKind'),
                t('outbox.urgency'),
                t('outbox.summary'),
                t('outbox.offers'),
                t('created'),
                t('audit.referralId'),
              ],
              ...rows.map((r) => [
                short(r.patientId),
                r.origin.name ?? r.origin.institutionId,
                t(`kind.${r.requestedKind}`),
                t(`urgency.${r.urgency}`),
                r.clinicalSummary,
                offersText(t, r),
                fmtTime(r.updatedAt),
                r.id,
              ]),
            ]}
          />
        )}
      </div>
      <p role="status" aria-live="polite" className="flash" data-testid="esc-flash">
        {flash}
      </p>
      <ErrorBox error={list.error} />
      {!list.loading && !list.data?.length ? (
        <p className="muted empty">{t('esc.none')}</p>
      ) : (
        <ul className="cards" data-testid="escalations">
          {(list.data ?? []).map((r) => (
            <Escalated key={r.id} r={r} insts={insts.data ?? []} onChanged={list.reload} onAudit={() => go('audit', r.id)} />
          ))}
        </ul>
      )}
    </section>
  );
}

const offersText = (t: T, r: Referral) =>
  r.offers
    .map(
      (o) => `${o.targetName ?? short(o.targetInstitutionId)}: ${t(`offerState.${o.state}`)}${o.declineReason ? ` (${t(`decline.${o.declineReason}`)})` : ''}`,
    )
    .join(' · ');

function Escalated({ r, insts, onChanged, onAudit }: { r: Referral; insts: Institution[]; onChanged: () => void; onAudit: () => void }) {
  const { t } = useApp();
  const [targets, setTargets] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const { run, error } = useAction(onChanged);
  // Reroute within the origin's district, never back to the origin.
  const district = insts.find((x) => x.id === r.origin.institutionId)?.districtId;
  const choices = insts
    .filter((i) => i.id !== r.origin.institutionId && i.districtId === (district ?? i.districtId))
    .map((i) => ({ value: i.id, label: i.name }));
  return (
    <li className="card" data-testid={`esc-${r.id}`}>
      <CardHeader
        title={
          <>
            {r.origin.name} · {t(`kind.${r.requestedKind}`)} · {t(`urgency.${r.urgency}`)}
          </>
        }
      >
        <StateBadge state={r.state} />
      </CardHeader>
      <p>{r.clinicalSummary}</p>
      <p className="small muted">{offersText(t, r)}</p>
      <CheckGroup legend={t('esc.targets')} choices={choices} checked={targets} onToggle={(id) => setTargets((x) => toggled(x, id))} />
      <TextField label={t('reason')} value={reason} onChange={setReason} maxLength={1000} required />
      <div className="row">
        <button
          type="button"
          disabled={!reason.trim() || !targets.length}
          onClick={() =>
            run(() => api.post(`/referrals/${r.id}/reroute`, { reason: reason.trim(), targets: targets.map((institutionId) => ({ institutionId })) }))
          }
        >
          {t('esc.reroute')}
        </button>
        <button
          type="button"
          className="danger"
          disabled={!reason.trim()}
          onClick={() => run(() => api.post(`/referrals/${r.id}/close`, { reason: reason.trim() }))}
        >
          {t('esc.close')}
        </button>
        <LinkButton onClick={onAudit}>{t('outbox.audit')}</LinkButton>
      </div>
      <ErrorBox error={error} />
    </li>
  );
}
