import { api, apiPaths } from '../api';
import { useApp } from '../app';
import { useLive, useLoad } from '../hooks';
import { isReferralEvent } from '../model';
import { CsvButton, ErrorBox, fmtTime, Head, short } from '../ui';

/** GET /institutions/{id}/waiting-list: referrals waiting for a bed here, first first (no patient identifiers). */
interface Entry {
  position: number;
  entryId: string;
  referralId: string;
  state: string;
  requestedKind: string;
  services: string[];
  urgency: string;
  careLevel: number | null;
  addedAt: string;
  waitedSeconds: number;
  offeredBedId: string | null;
}

/**
 * The institution's waiting list, part of its inbox: position, what each referral needs and how long
 * it has waited. Shown only when the API offers waiting lists; follows referral events live.
 */
export function WaitingList({ institutionId }: { institutionId: string }) {
  const { t } = useApp();
  const list = useLoad(async () => {
    if (!(await apiPaths()).has('/institutions/{id}/waiting-list')) return null;
    return (await api.get<{ entries: Entry[] }>(`/institutions/${institutionId}/waiting-list`)).entries;
  }, [institutionId]);
  useLive(isReferralEvent, list.reload);
  if (list.data === null) return null;
  const rows = list.data ?? [];
  const waited = (s: number) => (s >= 86_400 ? t('wait.days', { n: String(Math.floor(s / 86_400)) }) : t('wait.hours', { n: String(Math.floor(s / 3600)) }));
  return (
    <section aria-labelledby="wl-h">
      <div className="row between">
        <h3 id="wl-h">{t('wait.title', { n: String(rows.length) })}</h3>
        {rows.length > 0 && (
          <CsvButton
            name="waiting-list"
            rows={() => [
              [
                t('wait.position'),
                t('outbox.requestedKind'),
                t('outbox.services'),
                t('outbox.urgency'),
                t('inbox.careLevel'),
                t('state'),
                t('wait.added'),
                t('wait.waitedHours'),
                t('audit.referralId'),
              ],
              ...rows.map((w) => [
                w.position,
                t(`kind.${w.requestedKind}`),
                w.services.map((s) => t(`service.${s}`)).join(t('cols.sep')),
                t(`urgency.${w.urgency}`),
                w.careLevel,
                t(`wait.state.${w.state}`),
                fmtTime(w.addedAt),
                Math.floor(w.waitedSeconds / 3600),
                w.referralId,
              ]),
            ]}
          />
        )}
      </div>
      <ErrorBox error={list.error} />
      {!rows.length ? (
        <p className="muted empty">{list.loading ? t('loading') : t('wait.none')}</p>
      ) : (
        <div className="scroll">
          <table data-testid="waiting-list" tabIndex={0} aria-labelledby="wl-h">
            <Head columns={[t('wait.position'), t('outbox.requestedKind'), t('outbox.services'), t('outbox.urgency'), t('wait.waited'), t('state')]} />
            <tbody>
              {rows.map((w) => (
                <tr key={w.entryId} data-testid={`waiting-${w.referralId}`}>
                  <th scope="row">{w.position}</th>
                  <td>{t(`kind.${w.requestedKind}`)}</td>
                  <td>{w.services.map((s) => t(`service.${s}`)).join(t('cols.sep')) || '—'}</td>
                  <td>{t(`urgency.${w.urgency}`)}</td>
                  <td title={fmtTime(w.addedAt)}>{waited(w.waitedSeconds)}</td>
                  <td>
                    {t(`wait.state.${w.state}`)}
                    {w.offeredBedId ? ` · ${short(w.offeredBedId)}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
