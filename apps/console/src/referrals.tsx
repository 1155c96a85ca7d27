import { FormEvent, useEffect, useMemo, useState } from 'react';
import { BED_KINDS, SERVICES } from '../../../libs/domain/src/beds/bed-kinds';
import { DECLINE_REASONS, STRATEGIES, URGENCIES } from '../../../libs/domain/src/referral/referral-machine';
import { api, apiPaths, LiveEvent } from './api';
import { Institution } from './board';
import { eventLabel } from './i18n';
import { Countdown, ErrorBox, fmtTime, Loading, short, useApp, useLive, useLoad } from './common';

export interface Offer {
  id: string;
  targetInstitutionId: string;
  targetName: string | null;
  state: string;
  deadlineAt: string | null;
  declineReason: string | null;
}
export interface Referral {
  id: string;
  state: string;
  urgency: string;
  strategy: string;
  requestedKind: string;
  services: string[];
  careLevel: number | null;
  clinicalSummary: string;
  patientId: string;
  origin: { institutionId: string; name: string | null };
  offers: Offer[];
  reservations: { id: string; institutionId: string; bedId: string | null; state: string; expiresAt: string | null }[];
  createdAt: string;
  updatedAt: string;
  history?: { seq: number; at: string; event: string; state: string | null; role: string; institution: string | null; reason: string | null }[];
}

const isReferralEvent = (e: LiveEvent) => e.aggregateType === 'Referral';
const LIVE_OFFER = ['PENDING', 'VIEWED'];

function StateBadge({ state, kind = 'referralState' }: { state: string; kind?: string }) {
  const { t } = useApp();
  return (
    <span className={`badge st-${state}`} data-testid="state" data-state={state}>
      {t(`${kind}.${state}`)}
    </span>
  );
}

/** Validation as the API does it (DraftReferralDto, RegisterPatientDto), before a round trip. */
function validate(f: Form, t: (k: string) => string): string[] {
  const errs: string[] = [];
  if (!/^[0-9a-f-]{36}$/i.test(f.patientId)) errs.push(t('outbox.patientId'));
  if (!f.clinicalSummary.trim() || f.clinicalSummary.length > 4000) errs.push(t('outbox.summary'));
  if (f.careLevel !== '' && !(Number.isInteger(Number(f.careLevel)) && Number(f.careLevel) >= 0 && Number(f.careLevel) <= 6)) errs.push(t('outbox.careLevel'));
  if (!f.consent) errs.push(t('outbox.consent'));
  if (!f.targets.length) errs.push(t('outbox.noTargets'));
  return errs;
}
interface Form {
  patientId: string;
  requestedKind: string;
  services: string[];
  urgency: string;
  strategy: string;
  clinicalSummary: string;
  careLevel: string;
  consent: boolean;
  targets: string[];
}

function PatientRegister({ onRegistered }: { onRegistered: (id: string) => void }) {
  const { t } = useApp();
  const [p, setP] = useState({ residentId: '', name: '', phone: '', sex: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post<{ patientId: string }>('/patients', { residentId: p.residentId.trim(), name: p.name.trim(), ...(p.phone ? { phone: p.phone } : {}), ...(p.sex ? { sex: p.sex } : {}) });
      onRegistered(r.patientId);
      setP({ residentId: '', name: '', phone: '', sex: '' });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset>
      <legend>{t('outbox.registerPatient')}</legend>
      <label>
        {t('outbox.residentId')}
        <input value={p.residentId} onChange={(e) => setP({ ...p, residentId: e.target.value })} minLength={18} maxLength={18} autoComplete="off" data-testid="resident-id" />
      </label>
      <label>
        {t('outbox.name')}
        <input value={p.name} onChange={(e) => setP({ ...p, name: e.target.value })} maxLength={100} autoComplete="off" data-testid="patient-name" />
      </label>
      <label>
        {t('outbox.phone')}
        <input value={p.phone} onChange={(e) => setP({ ...p, phone: e.target.value })} pattern="\+?[0-9 -]{5,20}" autoComplete="off" />
      </label>
      <label>
        {t('outbox.sex')}
        <select value={p.sex} onChange={(e) => setP({ ...p, sex: e.target.value })}>
          <option value="">—</option>
          <option value="F">{t('outbox.sexF')}</option>
          <option value="M">{t('outbox.sexM')}</option>
        </select>
      </label>
      <button type="button" onClick={submit} disabled={busy || p.residentId.length !== 18 || !p.name.trim()} data-testid="register-patient">
        {t('outbox.registerPatient')}
      </button>
      <ErrorBox error={error} />
    </fieldset>
  );
}

export function Outbox() {
  const { t, claims, go } = useApp();
  const insts = useLoad(() => api.get<Institution[]>('/institutions'), []);
  const list = useLoad(() => api.get<Referral[]>('/referrals?side=origin&limit=50'), []);
  useLive(isReferralEvent, list.reload);
  const [f, setF] = useState<Form>({ patientId: '', requestedKind: 'COMMUNITY', services: [], urgency: 'ROUTINE', strategy: 'BROADCAST', clinicalSummary: '', careLevel: '', consent: false, targets: [] });
  const [errs, setErrs] = useState<string[]>([]);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [hasCandidates, setHasCandidates] = useState(false);
  useEffect(() => {
    // apiPaths() never rejects (a failed fetch yields an empty set)
    void apiPaths().then((p) => setHasCandidates(p.has('/referrals/{id}/candidates')));
  }, []);
  const targets = (insts.data ?? []).filter((i) => i.id !== claims.inst);
  const toggle = (k: 'services' | 'targets', v: string) => setF((x) => ({ ...x, [k]: x[k].includes(v) ? x[k].filter((y) => y !== v) : [...x[k], v] }));

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const v = validate(f, t);
    setErrs(v);
    setDone(undefined);
    if (v.length) return;
    setBusy(true);
    setError(undefined);
    try {
      const d = await api.post<{ referralId: string }>('/referrals', {
        patientId: f.patientId, requestedKind: f.requestedKind, services: f.services, urgency: f.urgency, strategy: f.strategy, clinicalSummary: f.clinicalSummary.trim(), consent: f.consent,
        ...(f.careLevel !== '' ? { careLevel: Number(f.careLevel) } : {}),
      });
      await api.post(`/referrals/${d.referralId}/submit`);
      for (const target of f.targets) await api.post(`/referrals/${d.referralId}/offers`, { targetInstitutionId: target });
      setDone(d.referralId);
      setF((x) => ({ ...x, patientId: '', clinicalSummary: '', consent: false, targets: [] }));
      list.reload();
    } catch (e) {
      setError(e);
      list.reload();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="out-h">
      <h2 id="out-h">{t('outbox.title')}</h2>
      <div className="two">
        <form onSubmit={submit} noValidate aria-labelledby="new-h" className="card">
          <h3 id="new-h">{t('outbox.newReferral')}</h3>
          <PatientRegister onRegistered={(id) => setF((x) => ({ ...x, patientId: id }))} />
          <label>
            {t('outbox.patientId')}
            <input value={f.patientId} onChange={(e) => setF({ ...f, patientId: e.target.value.trim() })} required data-testid="patient-id" aria-invalid={errs.includes(t('outbox.patientId'))} />
          </label>
          <label>
            {t('outbox.requestedKind')}
            <select value={f.requestedKind} onChange={(e) => setF({ ...f, requestedKind: e.target.value })} data-testid="requested-kind">
              {BED_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>{t('outbox.services')}</legend>
            <div className="checks">
              {SERVICES.map((s) => (
                <label key={s} className="check">
                  <input type="checkbox" checked={f.services.includes(s)} onChange={() => toggle('services', s)} data-testid={`service-${s}`} />
                  {t(`service.${s}`)}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="row">
            <label>
              {t('outbox.urgency')}
              <select value={f.urgency} onChange={(e) => setF({ ...f, urgency: e.target.value })}>
                {URGENCIES.map((u) => (
                  <option key={u} value={u}>
                    {t(`urgency.${u}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('outbox.strategy')}
              <select value={f.strategy} onChange={(e) => setF({ ...f, strategy: e.target.value })}>
                {STRATEGIES.map((s) => (
                  <option key={s} value={s}>
                    {t(`strategy.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('outbox.careLevel')}
              <input type="number" min={0} max={6} value={f.careLevel} onChange={(e) => setF({ ...f, careLevel: e.target.value })} data-testid="care-level" />
            </label>
          </div>
          <label>
            {t('outbox.summary')}
            <textarea value={f.clinicalSummary} onChange={(e) => setF({ ...f, clinicalSummary: e.target.value })} maxLength={4000} rows={3} required data-testid="summary" />
          </label>
          <label className="check">
            <input type="checkbox" checked={f.consent} onChange={(e) => setF({ ...f, consent: e.target.checked })} data-testid="consent" />
            {t('outbox.consent')}
          </label>
          <fieldset>
            <legend>{t('outbox.targets')}</legend>
            <div className="checks">
              {targets.map((i) => (
                <label key={i.id} className="check">
                  <input type="checkbox" checked={f.targets.includes(i.id)} onChange={() => toggle('targets', i.id)} data-testid={`target-${i.id}`} />
                  {i.name}
                </label>
              ))}
            </div>
          </fieldset>
          {errs.length > 0 && (
            <div role="alert" className="error" data-testid="form-errors">
              {t('errors.VALIDATION_FAILED')}: {errs.join('、')}
            </div>
          )}
          <ErrorBox error={error} />
          {done && (
            <p role="status" className="ok">
              {t('outbox.created')} · {short(done)}
            </p>
          )}
          <button type="submit" disabled={busy} data-testid="create-referral">
            {t('outbox.create')}
          </button>
        </form>
        <div>
          <h3>{t('outbox.list')}</h3>
          <ErrorBox error={list.error} />
          <Loading loading={list.loading} empty={!list.data?.length}>
            <ul className="cards" aria-live="polite" data-testid="outbox-list">
              {(list.data ?? []).map((r) => (
                <ReferralCard key={r.id} r={r} hasCandidates={hasCandidates} onChanged={list.reload} onAudit={() => go('audit', r.id)} />
              ))}
            </ul>
          </Loading>
        </div>
      </div>
    </section>
  );
}

function ReferralCard({ r, hasCandidates, onChanged, onAudit }: { r: Referral; hasCandidates: boolean; onChanged: () => void; onAudit: () => void }) {
  const { t } = useApp();
  const [error, setError] = useState<unknown>();
  const [reason, setReason] = useState('');
  const [candidates, setCandidates] = useState<any[] | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  const terminal = ['COMPLETED', 'FAILED', 'CANCELLED', 'REJECTED'].includes(r.state);
  return (
    <li className="card" data-testid={`referral-${r.id}`}>
      <div className="row between">
        <strong>
          {t(`kind.${r.requestedKind}`)} · {t(`urgency.${r.urgency}`)}
        </strong>
        <StateBadge state={r.state} />
      </div>
      <p className="small muted">
        {short(r.id)} · {fmtTime(r.createdAt)}
      </p>
      <p>{r.clinicalSummary}</p>
      {r.offers.length > 0 && (
        <table className="small">
          <caption className="sr-only">{t('outbox.offers')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('outbox.target')}</th>
              <th scope="col">{t('state')}</th>
              <th scope="col">{t('outbox.deadline')}</th>
            </tr>
          </thead>
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
        <button
          type="button"
          className="link"
          onClick={() => act(async () => setCandidates(await api.get<any[]>(`/referrals/${r.id}/candidates`)))}
        >
          {t('outbox.candidates')}
        </button>
      )}
      {candidates && (
        <ol className="small">
          {candidates.map((c: any, i: number) => (
            <li key={c.institutionId ?? i}>
              {c.name ?? c.institutionName ?? short(c.institutionId)} {c.score != null ? `(${c.score})` : ''} {Array.isArray(c.explanation ?? c.reasons) ? `— ${(c.explanation ?? c.reasons).join('; ')}` : c.explanation ? `— ${c.explanation}` : ''}
            </li>
          ))}
        </ol>
      )}
      <div className="row">
        {r.state === 'ACCEPTED' && (
          <button type="button" onClick={() => act(() => api.post(`/referrals/${r.id}/start-transfer`))} data-testid="start-transfer">
            {t('outbox.startTransfer')}
          </button>
        )}
        {!terminal && r.state !== 'IN_TRANSFER' && (
          <>
            <label className="inline">
              <span className="sr-only">{t('outbox.cancelReason')}</span>
              <input placeholder={t('outbox.cancelReason')} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
            </label>
            <button type="button" className="danger" disabled={!reason.trim()} onClick={() => act(() => api.post(`/referrals/${r.id}/cancel`, { reason: reason.trim() }))}>
              {t('outbox.cancel')}
            </button>
          </>
        )}
        <button type="button" className="link" onClick={onAudit}>
          {t('outbox.audit')}
        </button>
      </div>
      <ErrorBox error={error} />
    </li>
  );
}

interface Bed {
  id: string;
  ward: string;
  label: string;
  kind: string;
  reserved: boolean;
}

export function Inbox() {
  const { t, claims } = useApp();
  const mine = claims.inst!;
  const offered = useLoad(() => api.get<Referral[]>('/referrals?side=target&state=OFFERED&limit=100'), []);
  const arriving = useLoad(async () => {
    const [a, b] = await Promise.all([api.get<Referral[]>('/referrals?side=target&state=ACCEPTED'), api.get<Referral[]>('/referrals?side=target&state=IN_TRANSFER')]);
    return [...a, ...b].filter((r) => r.reservations.some((x) => x.institutionId === mine && x.state === 'HELD'));
  }, [mine]);
  const beds = useLoad(() => api.get<Bed[]>(`/beds?institutionId=${mine}&status=U&limit=500`), [mine]);
  const [flash, setFlash] = useState('');
  const reloadAll = () => {
    offered.reload();
    arriving.reload();
    beds.reload();
  };
  useLive((e) => isReferralEvent(e) || e.aggregateType === 'Bed', reloadAll, (e) => {
    if (e.type === 'OfferExtended' && e.payload.targetInstitutionId === mine) setFlash(t('inbox.newArrived'));
  });
  const pending = (offered.data ?? []).flatMap((r) => r.offers.filter((o) => o.targetInstitutionId === mine && LIVE_OFFER.includes(o.state)).map((o) => ({ r, o })));
  return (
    <section aria-labelledby="in-h">
      <h2 id="in-h">{t('inbox.title')}</h2>
      <p role="status" aria-live="polite" className="flash">
        {flash}
      </p>
      <h3>{t('inbox.pending')}</h3>
      <ErrorBox error={offered.error} />
      <Loading loading={offered.loading} empty={!pending.length}>
        <ul className="cards" data-testid="inbox-list">
          {pending.map(({ r, o }) => (
            <OfferCard key={o.id} r={r} o={o} beds={(beds.data ?? []).filter((b) => !b.reserved && b.kind === r.requestedKind)} onChanged={reloadAll} />
          ))}
        </ul>
      </Loading>
      <h3>{t('inbox.incoming')}</h3>
      <ErrorBox error={arriving.error} />
      <Loading loading={arriving.loading} empty={!arriving.data?.length}>
        <ul className="cards" data-testid="arriving-list">
          {(arriving.data ?? []).map((r) => (
            <Arriving key={r.id} r={r} onChanged={reloadAll} />
          ))}
        </ul>
      </Loading>
    </section>
  );
}

function Arriving({ r, onChanged }: { r: Referral; onChanged: () => void }) {
  const { t } = useApp();
  const [error, setError] = useState<unknown>();
  return (
    <li className="card" data-testid={`arriving-${r.id}`}>
      <div className="row between">
        <strong>
          {t('inbox.from')} {r.origin.name} · {t(`kind.${r.requestedKind}`)}
        </strong>
        <StateBadge state={r.state} />
      </div>
      <p>{r.clinicalSummary}</p>
      {r.state === 'IN_TRANSFER' && (
        <button
          type="button"
          onClick={() =>
            api.post(`/referrals/${r.id}/confirm-admission`).then(onChanged, (e) => setError(e))
          }
          data-testid="confirm-admission"
        >
          {t('inbox.confirm')}
        </button>
      )}
      <ErrorBox error={error} />
    </li>
  );
}

function OfferCard({ r, o, beds, onChanged }: { r: Referral; o: Offer; beds: Bed[]; onChanged: () => void }) {
  const { t } = useApp();
  const [open, setOpen] = useState(false);
  const [bed, setBed] = useState('');
  const [reason, setReason] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const doOpen = () => {
    setOpen(true);
    if (o.state === 'PENDING') void act(() => api.post(`/referrals/${r.id}/offers/${o.id}/view`));
  };
  return (
    <li className="card" data-testid={`offer-${r.id}`}>
      <div className="row between">
        <strong>
          {t('inbox.from')} {r.origin.name} · {t(`kind.${r.requestedKind}`)} · {t(`urgency.${r.urgency}`)}
        </strong>
        <span>
          {t('inbox.timeLeft')} <Countdown until={o.deadlineAt} />
        </span>
      </div>
      {!open ? (
        <button type="button" onClick={doOpen} data-testid="open-offer">
          {t('inbox.open')}
        </button>
      ) : (
        <div>
          <dl className="summary">
            <dt>{t('inbox.summary')}</dt>
            <dd>{r.clinicalSummary}</dd>
            <dt>{t('inbox.careLevel')}</dt>
            <dd>{r.careLevel ?? '—'}</dd>
            <dt>{t('inbox.services')}</dt>
            <dd>{r.services.map((s) => t(`service.${s}`)).join('、') || '—'}</dd>
          </dl>
          <div className="row">
            <label>
              {t('inbox.pickBed')}
              <select value={bed} onChange={(e) => setBed(e.target.value)} data-testid="pick-bed">
                <option value="">{beds.length ? '—' : t('inbox.noBeds')}</option>
                {beds.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.ward} · {b.label}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={busy || !bed} onClick={() => act(() => api.post(`/referrals/${r.id}/offers/${o.id}/accept`, { bedId: bed }))} data-testid="accept-offer">
              {t('inbox.accept')}
            </button>
          </div>
          <div className="row">
            <label>
              {t('inbox.declineReason')}
              <select value={reason} onChange={(e) => setReason(e.target.value)} data-testid="decline-reason">
                <option value="">—</option>
                {DECLINE_REASONS.map((d) => (
                  <option key={d} value={d}>
                    {t(`decline.${d}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('inbox.declineText')}
              <input value={text} onChange={(e) => setText(e.target.value)} maxLength={1000} />
            </label>
            <button
              type="button"
              className="danger"
              disabled={busy || !reason || (reason === 'OTHER' && !text.trim())}
              onClick={() => act(() => api.post(`/referrals/${r.id}/offers/${o.id}/decline`, { reason, ...(text.trim() ? { text: text.trim() } : {}) }))}
              data-testid="decline-offer"
            >
              {t('inbox.decline')}
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={error} />
    </li>
  );
}

export function Escalations() {
  const { t, go } = useApp();
  const list = useLoad(() => api.get<Referral[]>('/referrals?state=ESCALATED&limit=100'), []);
  const insts = useLoad(() => api.get<Institution[]>('/institutions'), []);
  useLive(isReferralEvent, list.reload);
  return (
    <section aria-labelledby="esc-h">
      <h2 id="esc-h">{t('esc.title')}</h2>
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

function Escalated({ r, insts, onChanged, onAudit }: { r: Referral; insts: Institution[]; onChanged: () => void; onAudit: () => void }) {
  const { t } = useApp();
  const [targets, setTargets] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const act = (fn: () => Promise<unknown>) => fn().then(onChanged, setError);
  const options = insts.filter((i) => i.id !== r.origin.institutionId && i.districtId === (insts.find((x) => x.id === r.origin.institutionId)?.districtId ?? i.districtId));
  return (
    <li className="card">
      <div className="row between">
        <strong>
          {r.origin.name} · {t(`kind.${r.requestedKind}`)} · {t(`urgency.${r.urgency}`)}
        </strong>
        <StateBadge state={r.state} />
      </div>
      <p>{r.clinicalSummary}</p>
      <p className="small muted">{r.offers.map((o) => `${o.targetName ?? short(o.targetInstitutionId)}: ${t(`offerState.${o.state}`)}${o.declineReason ? ` (${t(`decline.${o.declineReason}`)})` : ''}`).join(' · ')}</p>
      <fieldset>
        <legend>{t('esc.targets')}</legend>
        <div className="checks">
          {options.map((i) => (
            <label key={i.id} className="check">
              <input type="checkbox" checked={targets.includes(i.id)} onChange={() => setTargets((x) => (x.includes(i.id) ? x.filter((y) => y !== i.id) : [...x, i.id]))} />
              {i.name}
            </label>
          ))}
        </div>
      </fieldset>
      <label>
        {t('reason')}
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} required />
      </label>
      <div className="row">
        <button type="button" disabled={!reason.trim() || !targets.length} onClick={() => act(() => api.post(`/referrals/${r.id}/reroute`, { reason: reason.trim(), targets: targets.map((institutionId) => ({ institutionId })) }))}>
          {t('esc.reroute')}
        </button>
        <button type="button" className="danger" disabled={!reason.trim()} onClick={() => act(() => api.post(`/referrals/${r.id}/close`, { reason: reason.trim() }))}>
          {t('esc.close')}
        </button>
        <button type="button" className="link" onClick={onAudit}>
          {t('outbox.audit')}
        </button>
      </div>
      <ErrorBox error={error} />
    </li>
  );
}

interface Step {
  at: string;
  label: string;
  detail: string;
}

export function Journey({ initial }: { initial?: string }) {
  const { t } = useApp();
  const [id, setId] = useState(initial ?? '');
  const [shown, setShown] = useState(initial ?? '');
  const data = useLoad<{ steps: Step[]; derived: boolean } | null>(async () => {
    if (!shown) return null;
    const paths = await apiPaths();
    if (paths.has('/patients/{id}/journey')) {
      // stays: { kind, institutionId, bedId | programmeId, from, to, referralId }, first to last
      const [j, insts] = await Promise.all([api.get<{ stays: any[] }>(`/patients/${shown}/journey`), api.get<{ id: string; name: string }[]>('/institutions')]);
      const names = new Map(insts.map((i) => [i.id, i.name]));
      return {
        derived: false,
        steps: j.stays.map((s) => ({ at: s.from ?? s.to, label: t(`kind.${s.kind}`), detail: `${names.get(s.institutionId) ?? ''}${s.to ? ` → ${fmtTime(s.to)}` : ''}` })),
      };
    }
    // No journey endpoint yet: the patient's referrals, in order, tell the same story.
    const refs = (await api.get<Referral[]>('/referrals?limit=200')).filter((r) => r.patientId === shown);
    const full = await Promise.all(refs.map((r) => api.get<Referral>(`/referrals/${r.id}`)));
    const steps = full.flatMap((r) =>
      (r.history ?? []).map((h) => ({ at: h.at, label: eventLabel(t, h.event), detail: `${t(`kind.${r.requestedKind}`)} · ${r.origin.name ?? ''}${h.state ? ` · ${t(`referralState.${h.state}`)}` : ''}${h.reason ? ` · ${h.reason}` : ''}` })),
    );
    steps.sort((a, b) => Number(new Date(a.at)) - Number(new Date(b.at)));
    return { derived: true, steps };
  }, [shown]);
  return (
    <section aria-labelledby="j-h">
      <h2 id="j-h">{t('journey.title')}</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(id.trim());
        }}
      >
        <label>
          {t('journey.patientId')}
          <input value={id} onChange={(e) => setId(e.target.value)} size={40} data-testid="journey-patient" />
        </label>
        <button type="submit">{t('journey.load')}</button>
      </form>
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

export function Audit({ initial }: { initial?: string }) {
  const { t } = useApp();
  const [id, setId] = useState(initial ?? '');
  const [shown, setShown] = useState(initial ?? '');
  const [verify, setVerify] = useState(false);
  const trail = useLoad<any>(() => (shown ? api.get(`/referrals/${shown}/audit${verify ? '?verify=true' : ''}`) : Promise.resolve(null)), [shown, verify]);
  const recent = useLoad(() => api.get<Referral[]>('/referrals?limit=20'), []);
  const v = trail.data?.verification;
  const records: any[] = useMemo(() => trail.data?.records ?? [], [trail.data]);
  return (
    <section aria-labelledby="a-h">
      <h2 id="a-h">{t('audit.title')}</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setVerify(false);
          setShown(id.trim());
        }}
      >
        <label>
          {t('audit.referralId')}
          <input value={id} onChange={(e) => setId(e.target.value)} list="recent-referrals" size={40} data-testid="audit-id" />
          <datalist id="recent-referrals">
            {(recent.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {t(`referralState.${r.state}`)} · {r.origin.name}
              </option>
            ))}
          </datalist>
        </label>
        <button type="submit">{t('audit.load')}</button>
        <button type="button" disabled={!shown} onClick={() => (verify ? trail.reload() : setVerify(true))} data-testid="verify">
          {t('audit.verify')}
        </button>
      </form>
      <ErrorBox error={trail.error} />
      {v && (
        <p role="status" className={v.ok ? 'ok' : 'error'} data-testid="verify-result">
          {v.ok ? t('audit.ok') : `${t('audit.broken')}: ${v.firstBreak?.problem ?? ''}`} ({v.records} {t('audit.records')})
        </p>
      )}
      {shown && (
        <Loading loading={trail.loading} empty={!records.length}>
          <table className="audit" data-testid="audit-trail">
            <thead>
              <tr>
                <th scope="col">{t('audit.seq')}</th>
                <th scope="col">{t('audit.time')}</th>
                <th scope="col">{t('audit.event')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('reason')}</th>
                <th scope="col">{t('audit.hash')}</th>
              </tr>
            </thead>
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
