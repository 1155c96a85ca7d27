import { useMemo, useState } from 'react';
import { BED_CATEGORIES, BED_CATEGORY_OF, BedKind, SERVICES } from '../../../libs/domain/src/beds/bed-kinds';
import { api, apiPaths } from './api';
import { ErrorBox, Loading, useApp, useLive, useLoad } from './common';

export interface Institution {
  id: string;
  code: string;
  name: string;
  type: string;
  districtId: string;
  services: string[];
}
interface BoardRow {
  institutionId: string;
  districtId: string;
  kind: BedKind;
  total: number;
  free: number;
  reserved: number;
  occupied: number;
  cleaning: number;
  closed: number;
  isolated: number;
  contaminated: number;
}
const COUNTS = ['free', 'reserved', 'occupied', 'cleaning', 'closed'] as const;
type Counts = Record<(typeof COUNTS)[number] | 'total', number>;

/** Events that move capacity: the board reloads when one arrives. */
const CAPACITY_EVENTS = /^(Bed|Reservation|BedReserved|PatientAdmitted|TransferStarted|OfferAccepted|OfferRevoked|ReferralCancelled)/;

export function BedBoard() {
  const { t, go } = useApp();
  const [service, setService] = useState('');
  const [district, setDistrict] = useState('');
  const insts = useLoad(() => api.get<Institution[]>('/institutions'), []);
  const board = useLoad(() => api.get<BoardRow[]>('/bed-board'), []);
  useLive((e) => CAPACITY_EVENTS.test(e.type), board.reload);
  // An institution offers a service if it says so or if one of its beds does.
  const bedServices = useLoad(async () => {
    if (!service) return null;
    const beds = await api.get<{ institutionId: string; services: string[] }[]>(`/beds?limit=1000`);
    return new Set(beds.filter((b) => (b.services ?? []).includes(service)).map((b) => b.institutionId));
  }, [service]);

  const districts = useMemo(() => [...new Set((insts.data ?? []).map((i) => i.districtId))].sort(), [insts.data]);
  const rows = useMemo(() => {
    const byInst = new Map<string, Record<string, Counts>>();
    for (const r of board.data ?? []) {
      const cat = BED_CATEGORY_OF[r.kind];
      const cells = byInst.get(r.institutionId) ?? {};
      const c = (cells[cat] ??= { total: 0, free: 0, reserved: 0, occupied: 0, cleaning: 0, closed: 0 });
      c.total += r.total;
      c.free += r.free;
      c.reserved += r.reserved;
      c.occupied += r.occupied;
      c.cleaning += r.cleaning;
      c.closed += r.closed + (r.isolated ?? 0) + (r.contaminated ?? 0);
      byInst.set(r.institutionId, cells);
    }
    return (insts.data ?? [])
      .filter((i) => !district || i.districtId === district)
      .filter((i) => !service || (i.services ?? []).includes(service) || !!bedServices.data?.has(i.id))
      .map((i) => ({ inst: i, cells: byInst.get(i.id) ?? {} }));
  }, [insts.data, board.data, service, district, bedServices.data]);

  return (
    <section aria-labelledby="board-h">
      <h2 id="board-h">{t('board.title')}</h2>
      <div className="filters">
        <label>
          {t('board.filterService')}
          <select value={service} onChange={(e) => setService(e.target.value)} data-testid="filter-service">
            <option value="">{t('board.all')}</option>
            {SERVICES.map((s) => (
              <option key={s} value={s}>
                {t(`service.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('board.filterDistrict')}
          <select value={district} onChange={(e) => setDistrict(e.target.value)}>
            <option value="">{t('board.all')}</option>
            {districts.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <ul className="legend" aria-label="legend">
          {COUNTS.map((c) => (
            <li key={c} className={`chip s-${c}`}>
              {t(`bedStatus.${c}`)}
            </li>
          ))}
        </ul>
      </div>
      <ErrorBox error={insts.error ?? board.error} />
      <Loading loading={insts.loading || board.loading} empty={!rows.length}>
        <table className="board" data-testid="bed-board">
          <thead>
            <tr>
              <th scope="col">{t('board.institution')}</th>
              {BED_CATEGORIES.map((c) => (
                <th scope="col" key={c}>
                  {t(`category.${c}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(({ inst, cells }) => (
              <tr key={inst.id} data-testid={`board-row-${inst.id}`}>
                <th scope="row">
                  <button className="link" onClick={() => go('beds', inst.id)}>
                    {inst.name}
                  </button>
                  <div className="muted small">{inst.districtId}</div>
                </th>
                {BED_CATEGORIES.map((cat) => {
                  const c = cells[cat];
                  return (
                    <td key={cat} data-testid={`cell-${inst.id}-${cat}`}>
                      {c && c.total ? (
                        <ul className="counts">
                          {COUNTS.map((k) => (
                            <li key={k} className={`chip s-${k} ${c[k] ? '' : 'zero'}`} data-testid={`count-${k}`} title={t(`bedStatus.${k}`)}>
                              <span className="sr-only">{t(`bedStatus.${k}`)} </span>
                              {c[k]}
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </Loading>
    </section>
  );
}

interface Bed {
  id: string;
  kind: BedKind;
  ward: string;
  label: string;
  status: string;
  reserved: boolean;
  services: string[];
}

/** One institution's wards (physical beds) and home programmes (if the API offers them). */
export function InstitutionBeds({ id }: { id: string }) {
  const { t, go } = useApp();
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
  const statusOf = (b: Bed) => (b.reserved ? 'reserved' : ({ U: 'free', O: 'occupied', H: 'cleaning' } as Record<string, string>)[b.status] ?? 'closed');
  return (
    <section aria-labelledby="beds-h">
      <button className="link" onClick={() => go('board')}>
        ← {t('board.back')}
      </button>
      <h2 id="beds-h">{inst.data?.name ?? t('loading')}</h2>
      <ErrorBox error={inst.error ?? beds.error} />
      <h3>{t('board.wards')}</h3>
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
                  <span className="small">{(b.services ?? []).map((s) => t(`service.${s}`)).join('、')}</span>
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
