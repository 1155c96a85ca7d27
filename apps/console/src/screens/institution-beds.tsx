import { useMemo } from 'react';
import { BED_STATUS_MACHINE, MANUAL_BED_COMMANDS } from '../../../../libs/domain/src/beds/bed-status';
import { api, apiPaths } from '../api';
import { useApp } from '../app';
import { useAction, useLive, useLoad } from '../hooks';
import { Bed, Institution } from '../model';
import { CsvButton, ErrorBox, LinkButton, Loading } from '../ui';

const STATUS_CLASS: Record<string, string> = { U: 'free', O: 'occupied', H: 'cleaning' };
const statusOf = (b: Bed) => (b.reserved ? 'reserved' : (STATUS_CLASS[b.status] ?? 'closed'));

/** One institution's wards (physical beds) and home programmes (if the API offers them). */
export function InstitutionBeds({ id }: { id: string }) {
  const { t, go, claims } = useApp();
  // staff of this institution change its beds' status here (clean, close, reopen, isolate…); others look
  const mine = claims.inst === id && ['DISCHARGE_PLANNER', 'COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS'].includes(claims.role);
  const inst = useLoad(() => api.get<Institution>(`/institutions/${id}`), [id]);
  const beds = useLoad(() => api.get<Bed[]>(`/beds?institutionId=${id}&limit=1000`), [id]);
  const programmes = useLoad(async () => {
    const p = await apiPaths();
    if (p.has('/institutions/{id}/programmes')) return api.get<any[]>(`/institutions/${id}/programmes`);
    if (p.has('/programmes')) return api.get<any[]>(`/programmes?institutionId=${id}`);
    return null;
  }, [id]);
  useLive((e) => e.payload.institutionId === id && /^(Bed|Reservation)/.test(e.type), beds.reload);
  const wards = useMemo(() => {
    const m = new Map<string, Bed[]>();
    for (const b of beds.data ?? []) m.set(b.ward, [...(m.get(b.ward) ?? []), b]);
    return [...m];
  }, [beds.data]);
  return (
    <section aria-labelledby="beds-h">
      <LinkButton onClick={() => go('board')}>← {t('board.back')}</LinkButton>
      <h2 id="beds-h">{inst.data?.name ?? t('loading')}</h2>
      <ErrorBox error={inst.error ?? beds.error} />
      <div className="row between">
        <h3>{t('board.wards')}</h3>
        <CsvButton
          name="beds"
          rows={() => [
            [t('board.ward'), t('board.bed'), t('outbox.requestedKind'), t('state'), t('outbox.services')],
            ...(beds.data ?? []).map((b) => [
              b.ward,
              b.label,
              t(`kind.${b.kind}`),
              b.reserved ? t('bedStatus.reserved') : t(`bedStatus.${b.status}`),
              (b.services ?? []).map((s) => t(`service.${s}`)).join(t('cols.sep')),
            ]),
          ]}
        />
      </div>
      <Loading loading={beds.loading} empty={!wards.length}>
        {wards.map(([ward, list]) => (
          <div key={ward} className="ward">
            <h4>
              {t('board.ward')} {ward}
            </h4>
            <ul className="beds">
              {list.map((b) => (
                <li key={b.id} className={`bed s-${statusOf(b)}`} data-testid={`bed-${b.id}`}>
                  <strong>{b.label}</strong>
                  <span>{t(`kind.${b.kind}`)}</span>
                  <span>{b.reserved ? t('bedStatus.reserved') : t(`bedStatus.${b.status}`)}</span>
                  <span className="small">{(b.services ?? []).map((s) => t(`service.${s}`)).join(t('cols.sep'))}</span>
                  {mine && !b.reserved && <BedActions bed={b} onDone={beds.reload} />}
                </li>
              ))}
            </ul>
          </div>
        ))}
      </Loading>
      <h3>{t('board.programmes')}</h3>
      {programmes.error ? (
        <p className="muted">{t('board.noProgrammes')}</p>
      ) : !programmes.data?.length ? (
        <p className="muted">{programmes.loading ? t('loading') : t('board.noProgrammes')}</p>
      ) : (
        <table>
          <tbody>
            {programmes.data.map((p: any) => (
              <tr key={p.id}>
                <th scope="row">{p.name ?? p.code ?? p.id}</th>
                <td>{p.kind ? t(`kind.${p.kind}`) : ''}</td>
                <td>{p.capacity != null ? `${p.used ?? p.enrolled ?? '?'} / ${p.capacity}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The manual transitions the bed's status allows (the domain's machine), one button each. */
function BedActions({ bed, onDone }: { bed: Bed; onDone: () => void }) {
  const { t } = useApp();
  const { run, busy, error } = useAction(onDone);
  const commands = MANUAL_BED_COMMANDS.filter((c) => BED_STATUS_MACHINE.rules.some((r) => r.from === bed.status && r.command === c));
  if (!commands.length) return null;
  return (
    <span className="bed-actions">
      {commands.map((c) => (
        <button
          key={c}
          type="button"
          className="secondary small"
          disabled={busy}
          aria-label={`${t(`bedCommand.${c}`)} ${bed.label}`}
          data-testid={`bed-${c}`}
          onClick={() => void run(() => api.post(`/beds/${bed.id}/status`, { command: c }))}
        >
          {t(`bedCommand.${c}`)}
        </button>
      ))}
      <ErrorBox error={error} />
    </span>
  );
}
