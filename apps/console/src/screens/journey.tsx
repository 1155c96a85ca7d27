import { useState } from 'react';
import { api, apiPaths } from '../api';
import { useApp } from '../app';
import { useLoad } from '../hooks';
import { eventLabel } from '../i18n';
import { Institution, Referral } from '../model';
import { ErrorBox, fmtTime, LookupForm } from '../ui';

interface Step {
  at: string;
  label: string;
  detail: string;
}

/** A patient's stays across the five beds, from the journey endpoint or, without it, the referral histories. */
export function Journey({ initial }: { initial?: string }) {
  const { t } = useApp();
  const [shown, setShown] = useState(initial ?? '');
  const data = useLoad<{ steps: Step[]; derived: boolean } | null>(async () => {
    if (!shown) return null;
    const paths = await apiPaths();
    if (paths.has('/patients/{id}/journey')) {
      // stays: { kind, institutionId, bedId | programmeId, from, to, referralId }, first to last
      const [j, insts] = await Promise.all([api.get<{ stays: any[] }>(`/patients/${shown}/journey`), api.get<Institution[]>('/institutions')]);
      const names = new Map(insts.map((i) => [i.id, i.name]));
      return {
        derived: false,
        steps: j.stays.map((s) => ({
          at: s.from ?? s.to,
          label: t(`kind.${s.kind}`),
          detail: `${names.get(s.institutionId) ?? ''}${s.to ? ` → ${fmtTime(s.to)}` : ''}`,
        })),
      };
    }
    // No journey endpoint yet: the patient's referrals, in order, tell the same story.
    const refs = (await api.get<Referral[]>('/referrals?limit=200')).filter((r) => r.patientId === shown);
    const full = await Promise.all(refs.map((r) => api.get<Referral>(`/referrals/${r.id}`)));
    const steps = full.flatMap((r) =>
      (r.history ?? []).map((h) => ({
        at: h.at,
        label: eventLabel(t, h.event),
        detail: `${t(`kind.${r.requestedKind}`)} · ${r.origin.name ?? ''}${h.state ? ` · ${t(`referralState.${h.state}`)}` : ''}${h.reason ? ` · ${h.reason}` : ''}`,
      })),
    );
    steps.sort((a, b) => Number(new Date(a.at)) - Number(new Date(b.at)));
    return { derived: true, steps };
  }, [shown]);
  return (
    <section aria-labelledby="j-h">
      <h2 id="j-h">{t('journey.title')}</h2>
      <LookupForm label={t('journey.patientId')} button={t('journey.load')} initial={initial} onShow={setShown} testId="journey-patient" />
      <ErrorBox error={data.error} />
      {data.data && (
        <>
          {data.data.derived && <p className="muted small">{t('journey.derived')}</p>}
          {!data.data.steps.length ? (
            <p className="muted empty">{t('journey.none')}</p>
          ) : (
            <ol className="timeline" data-testid="journey">
              {data.data.steps.map((s, i) => (
                <li key={i}>
                  <time dateTime={s.at}>{fmtTime(s.at)}</time> <strong>{s.label}</strong> <span className="muted">{s.detail}</span>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
