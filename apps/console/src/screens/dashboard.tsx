import { useMemo } from 'react';
import { api } from '../api';
import { useApp } from '../app';
import { useLive, useLoad } from '../hooks';
import { isReferralEvent } from '../model';
import { CsvButton, ErrorBox, fmtTime, Head } from '../ui';
import { Chart, ChartOption } from '../ui/chart';

const CATEGORIES = ['MEDICAL', 'HOSPICE', 'HOME_SICKBED', 'CARE_HOME', 'HOME_CARE'] as const;
const STATES = ['occupied', 'reserved', 'cleaning', 'closed', 'free'] as const;
/** Colours with a 3:1 contrast against white at least, one per bed state, as on the bed board. */
const COLOUR: Record<(typeof STATES)[number], string> = { free: '#2e7d32', reserved: '#b26a00', occupied: '#1565c0', cleaning: '#6a1b9a', closed: '#616161' };

type Counts = Record<(typeof STATES)[number] | 'total', number>;
interface Dashboard {
  districtId: string;
  generatedAt: string;
  windowDays: number;
  occupancy: {
    byCategory: Record<string, Counts>;
    byInstitution: { institutionId: string; name: string; type: string; total: Counts }[];
  };
  history: { takenAt: string; byCategory: Record<string, { occupied: number; free: number; total: number }> }[];
  funnel: { drafted: number; submitted: number; offered: number; accepted: number; admitted: number };
  times: { toAcceptMedianMin: number | null; toAdmitMedianMin: number | null; accepted: number; admitted: number };
  declineReasons: { reason: string; n: number }[];
  nearDeadline: { offerId: string; referralId: string; targetName: string; deadlineAt: string; urgency: string; minutesLeft: number }[];
  breaches: { offersExpired: number; escalations: number; escalatedOpen: number };
  institutions: { id: string; name: string; type: string; lat: number | null; lng: number | null; free: number; total: number }[];
}

const pct = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 10 : 0);

/** The district coordinator's first screen: how the district is doing, as pictures with their figures beside them. */
export function DashboardScreen() {
  const { t, claims, go } = useApp();
  const district = claims.dist ?? '';
  const q = useLoad(() => api.get<Dashboard>(`/dashboard/districts/${encodeURIComponent(district)}`), [district]);
  useLive((e) => isReferralEvent(e) || e.type.startsWith('Bed'), q.reload);
  const d = q.data;
  const charts = useMemo(() => (d ? options(d, t) : null), [d, t]);
  return (
    <section aria-labelledby="dash-h" className="dashboard">
      <div className="row between">
        <h2 id="dash-h">{t('dash.title')}</h2>
        {d && (
          <span className="muted small">
            {t('dash.asOf')} {fmtTime(d.generatedAt)}
          </span>
        )}
      </div>
      <ErrorBox error={q.error} />
      {d && charts && (
        <>
          <ul className="tiles" aria-label={t('dash.kpis')}>
            <Tile id="toAccept" label={t('dash.toAccept')} value={d.times.toAcceptMedianMin} unit={t('dash.min')} />
            <Tile id="toAdmit" label={t('dash.toAdmit')} value={d.times.toAdmitMedianMin} unit={t('dash.min')} />
            <Tile id="near" label={t('dash.near')} value={d.nearDeadline.length} />
            <Tile id="expired" label={t('dash.expired')} value={d.breaches.offersExpired} />
            <Tile id="escalations" label={t('dash.escalations')} value={d.breaches.escalations} />
            <Tile id="escalatedOpen" label={t('dash.escalatedOpen')} value={d.breaches.escalatedOpen} onClick={() => go('escalations')} />
          </ul>

          <div className="grid2">
            <figure className="card">
              <figcaption>{t('dash.occupancyNow')}</figcaption>
              <Chart option={charts.now} label={t('dash.occupancyNow')} testId="chart-now" />
              <div className="scroll">
                <table data-testid="occupancy-table">
                  <Head columns={[t('dash.category'), ...STATES.map((s) => t(`bedStatus.${s}`)), t('dash.total'), t('dash.rate')]} />
                  <tbody>
                    {CATEGORIES.map((c) => {
                      const n = d.occupancy.byCategory[c];
                      return (
                        <tr key={c} data-testid={`cat-${c}`}>
                          <th scope="row">{t(`category.${c}`)}</th>
                          {STATES.map((s) => (
                            <td key={s} data-testid={s}>
                              {n[s]}
                            </td>
                          ))}
                          <td data-testid="total">{n.total}</td>
                          <td>{pct(n.occupied + n.reserved, n.total - n.closed)}%</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </figure>
            <figure className="card">
              <figcaption>{t('dash.history', { days: String(d.windowDays) })}</figcaption>
              <Chart option={charts.history} label={t('dash.history', { days: String(d.windowDays) })} testId="chart-history" />
              <p className="muted small">{t('dash.historyNote', { n: String(d.history.length) })}</p>
            </figure>
            <figure className="card">
              <figcaption>{t('dash.funnel', { days: String(d.windowDays) })}</figcaption>
              <Chart option={charts.funnel} label={t('dash.funnel', { days: String(d.windowDays) })} testId="chart-funnel" />
              <dl className="summary" data-testid="funnel">
                {(['drafted', 'submitted', 'offered', 'accepted', 'admitted'] as const).map((k) => (
                  <div key={k}>
                    <dt>{t(`dash.stage.${k}`)}</dt>
                    <dd data-testid={`funnel-${k}`}>{d.funnel[k]}</dd>
                  </div>
                ))}
              </dl>
            </figure>
            <figure className="card">
              <figcaption>{t('dash.declines', { days: String(d.windowDays) })}</figcaption>
              <Chart option={charts.declines} label={t('dash.declines', { days: String(d.windowDays) })} testId="chart-declines" />
              <dl className="summary" data-testid="declines">
                {d.declineReasons.map((r) => (
                  <div key={r.reason}>
                    <dt>{t(`decline.${r.reason}`)}</dt>
                    <dd data-testid={`decline-${r.reason}`}>{r.n}</dd>
                  </div>
                ))}
              </dl>
            </figure>
            <figure className="card">
              <figcaption>{t('dash.map')}</figcaption>
              <Chart option={charts.map} label={t('dash.map')} height={360} testId="chart-map" />
              <p className="muted small">{t('dash.mapNote')}</p>
            </figure>
            <section className="card" aria-labelledby="near-h">
              <div className="row between">
                <h3 id="near-h">{t('dash.nearTitle')}</h3>
                <CsvButton
                  name="offers-near-deadline"
                  rows={() => [
                    [t('dash.target'), t('dash.urgency'), t('dash.deadline'), t('dash.minutesLeft')],
                    ...d.nearDeadline.map((o) => [o.targetName, t(`urgency.${o.urgency}`), o.deadlineAt, o.minutesLeft]),
                  ]}
                />
              </div>
              {d.nearDeadline.length ? (
                <div className="scroll">
                  <table data-testid="near-deadline">
                    <Head columns={[t('dash.target'), t('dash.urgency'), t('dash.deadline'), t('dash.minutesLeft')]} />
                    <tbody>
                      {d.nearDeadline.map((o) => (
                        <tr key={o.offerId}>
                          <td>{o.targetName}</td>
                          <td>{t(`urgency.${o.urgency}`)}</td>
                          <td>{fmtTime(o.deadlineAt)}</td>
                          <td className={o.minutesLeft < 15 ? 'late' : ''}>{o.minutesLeft}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p className="muted empty">{t('dash.nearNone')}</p>
              )}
            </section>
          </div>

          <section className="card" aria-labelledby="inst-h">
            <div className="row between">
              <h3 id="inst-h">{t('dash.byInstitution')}</h3>
              <CsvButton
                name="occupancy-by-institution"
                rows={() => [
                  [t('dash.institution'), ...STATES.map((s) => t(`bedStatus.${s}`)), t('dash.total')],
                  ...d.occupancy.byInstitution.map((i) => [i.name, ...STATES.map((s) => i.total[s]), i.total.total]),
                ]}
              />
            </div>
            <div className="scroll">
              <table data-testid="by-institution">
                <Head columns={[t('dash.institution'), ...STATES.map((s) => t(`bedStatus.${s}`)), t('dash.total'), t('dash.rate')]} />
                <tbody>
                  {d.occupancy.byInstitution.map((i) => (
                    <tr key={i.institutionId} data-testid={`inst-${i.institutionId}`}>
                      <th scope="row">
                        <a href={`#/beds/${i.institutionId}`}>{i.name}</a>
                      </th>
                      {STATES.map((s) => (
                        <td key={s} data-testid={s}>
                          {i.total[s]}
                        </td>
                      ))}
                      <td>{i.total.total}</td>
                      <td>{pct(i.total.occupied + i.total.reserved, i.total.total - i.total.closed)}%</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </section>
  );
}

function Tile({ id, label, value, unit, onClick }: { id: string; label: string; value: number | null; unit?: string; onClick?: () => void }) {
  const body = (
    <>
      <span className="tile-value" data-testid={`kpi-${id}`}>
        {value === null ? '—' : value}
      </span>
      {unit && value !== null && <span className="muted small"> {unit}</span>}
      <span className="tile-label">{label}</span>
    </>
  );
  return (
    <li className="tile">
      {onClick ? (
        <button type="button" className="plain" onClick={onClick}>
          {body}
        </button>
      ) : (
        body
      )}
    </li>
  );
}

/** The ECharts options, built from the same figures the tables show. */
function options(d: Dashboard, t: (k: string, v?: Record<string, string>) => string): Record<'now' | 'history' | 'funnel' | 'declines' | 'map', ChartOption> {
  const cats = CATEGORIES.map((c) => t(`category.${c}`));
  const now: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 8, right: 16, top: 8, bottom: 40, containLabel: true },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: cats },
    series: STATES.map((s) => ({
      name: t(`bedStatus.${s}`),
      type: 'bar',
      stack: 'beds',
      itemStyle: { color: COLOUR[s] },
      data: CATEGORIES.map((c) => d.occupancy.byCategory[c][s]),
    })),
  };
  const history: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${String(v)}%` },
    legend: { bottom: 0 },
    grid: { left: 8, right: 16, top: 8, bottom: 40, containLabel: true },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: CATEGORIES.filter((c) => d.history.some((h) => h.byCategory[c]?.total)).map((c) => ({
      name: t(`category.${c}`),
      type: 'line',
      showSymbol: d.history.length < 48,
      data: d.history.filter((h) => h.byCategory[c]?.total).map((h) => [h.takenAt, pct(h.byCategory[c].occupied, h.byCategory[c].total)]),
    })),
  };
  const stages = ['drafted', 'submitted', 'offered', 'accepted', 'admitted'] as const;
  const funnel: ChartOption = {
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'funnel',
        sort: 'none',
        minSize: '10%',
        left: 8,
        right: 8,
        label: { show: true, position: 'inside', color: '#fff', formatter: '{b} {c}' },
        data: stages.map((k, i) => ({
          name: t(`dash.stage.${k}`),
          value: d.funnel[k],
          itemStyle: { color: ['#0b4f6c', '#145f80', '#1d6f94', '#1565c0', '#2e7d32'][i] },
        })),
      },
    ],
  };
  const declines: ChartOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: d.declineReasons.map((r) => t(`decline.${r.reason}`)), inverse: true },
    series: [{ type: 'bar', itemStyle: { color: '#b26a00' }, data: d.declineReasons.map((r) => r.n) }],
  };
  const placed = d.institutions.filter((i) => i.lat !== null && i.lng !== null);
  const map: ChartOption = {
    tooltip: {
      trigger: 'item',
      formatter: (p: { data: [number, number, number, string, number] }) => `${p.data[3]}<br/>${t('bedStatus.free')} ${p.data[2]} / ${p.data[4]}`,
    },
    grid: { left: 8, right: 60, top: 8, bottom: 8, containLabel: true },
    // longitude and latitude as plain axes, scaled so a degree looks the same both ways at Shanghai's latitude: no tiles, no internet
    xAxis: { type: 'value', scale: true, name: t('dash.lng'), axisLabel: { formatter: (v: number) => v.toFixed(3) } },
    yAxis: { type: 'value', scale: true, name: t('dash.lat'), axisLabel: { formatter: (v: number) => v.toFixed(3) } },
    visualMap: {
      type: 'continuous',
      dimension: 2,
      min: 0,
      max: Math.max(1, ...placed.map((i) => i.free)),
      right: 0,
      top: 'middle',
      text: [t('dash.moreFree'), t('dash.lessFree')],
      calculable: false,
      inRange: { color: ['#b71c1c', '#f9a825', '#2e7d32'] },
    },
    series: [
      {
        type: 'scatter',
        symbolSize: (v: number[]) => 8 + Math.sqrt(v[4] ?? 0) * 1.5,
        data: placed.map((i) => [i.lng, i.lat, i.free, i.name, i.total]),
      },
    ],
  };
  return { now, history, funnel, declines, map };
}
