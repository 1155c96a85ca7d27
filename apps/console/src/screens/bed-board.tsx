import { useMemo, useState } from 'react';
import { BED_CATEGORIES, BED_CATEGORY_OF, BedKind, SERVICES } from '../../../../libs/domain/src/beds/bed-kinds';
import { api } from '../api';
import { useApp } from '../app';
import { useInstitutions, useLive, useLoad } from '../hooks';
import { CsvButton, ErrorBox, Head, LinkButton, Loading, options, Select } from '../ui';

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

/** Institutions × the five bed categories, counts by status, filtered by service and district; live. */
export function BedBoard() {
  const { t, go } = useApp();
  const [service, setService] = useState('');
  const [district, setDistrict] = useState('');
  const insts = useInstitutions();
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
      <div className="row between">
        <h2 id="board-h">{t('board.title')}</h2>
        {/* one line per institution and category, a column per status: what the cells show, as numbers */}
        <CsvButton
          name="bed-board"
          rows={() => [
            [t('board.institution'), t('cols.district'), t('dash.category'), ...COUNTS.map((k) => t(`bedStatus.${k}`)), t('board.total')],
            ...rows.flatMap(({ inst, cells }) =>
              BED_CATEGORIES.filter((cat) => cells[cat]?.total).map((cat) => [
                inst.name,
                inst.districtId,
                t(`category.${cat}`),
                ...COUNTS.map((k) => cells[cat][k]),
                cells[cat].total,
              ]),
            ),
          ]}
        />
      </div>
      <div className="filters">
        <Select
          label={t('board.filterService')}
          value={service}
          onChange={setService}
          blank={t('board.all')}
          choices={options(t, 'service', SERVICES)}
          data-testid="filter-service"
        />
        <Select
          label={t('board.filterDistrict')}
          value={district}
          onChange={setDistrict}
          blank={t('board.all')}
          choices={districts.map((d) => ({ value: d, label: d }))}
        />
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
          <Head columns={[t('board.institution'), ...BED_CATEGORIES.map((c) => t(`category.${c}`))]} />
          <tbody>
            {rows.map(({ inst, cells }) => (
              <tr key={inst.id} data-testid={`board-row-${inst.id}`}>
                <th scope="row">
                  <LinkButton onClick={() => go('beds', inst.id)}>{inst.name}</LinkButton>
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
