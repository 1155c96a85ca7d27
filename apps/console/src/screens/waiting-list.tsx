import { api } from '../api';
import { useApp } from '../app';
import { useLive, useLoad } from '../hooks';
import { isReferralEvent } from '../model';
import { CsvButton, ErrorBox, fmtTime, Head, Loading } from '../ui';

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
}

/** The institution's waiting list in order (no patient identifiers: the API gives none). */
export function WaitingList() {
  const { t, claims } = useApp();
  const inst = claims.inst;
  const list = useLoad(
    () => (inst ? api.get<{ entries: Entry[] }>(`/institutions/${inst}/waiting-list`).then((r) => r.entries) : Promise.resolve([] as Entry[])),
    [inst],
  );
  useLive((e) => isReferralEvent(e) || e.aggregateType === 'Bed', list.reload);
  const rows = list.data ?? [];
  const waited = (s: number) => t('wait.hours', { h: String(Math.floor(s / 3600)), m: String(Math.floor((s % 3600) / 60)) });
  const columns = [
    t('wait.position'),
    t('wait.kind'),
    t('wait.urgency'),
    t('wait.careLevel'),
    t('inbox.services'),
    t('wait.added'),
    t('wait.waited'),
    t('wait.state'),
  ];
  const cells = (w: Entry) => [
    w.position,
    t(`kind.${w.requestedKind}`),
    t(`urgency.${w.urgency}`),
    w.careLevel ?? '—',
    w.services.map((s) => t(`service.${s}`)).join('、') || '—',
    fmtTime(w.addedAt),
    waited(w.waitedSeconds),
    t(`wait.entryState.${w.state}`),
  ];
  return (
    <section aria-labelledby="wait-h">
      <div className="row between">
        <h2 id="wait-h">{t('wait.title')}</h2>
        <CsvButton name="waiting-list" rows={() => [columns, ...rows.map(cells)]} />
      </div>
      <ErrorBox error={list.error} />
      {!list.loading && !rows.length ? (
        <p className="muted empty">{t('wait.none')}</p>
      ) : (
        <Loading loading={list.loading} empty={!rows.length}>
          <div className="scroll">
            <table data-testid="waiting-list">
              <Head columns={columns} />
              <tbody>
                {rows.map((w) => (
                  <tr key={w.entryId} data-testid={`waiting-${w.referralId}`}>
                    {cells(w).map((c, i) => (
                      <td key={i}>{c}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Loading>
      )}
    </section>
  );
}
