import { FormEvent, useEffect, useState } from 'react';
import { BED_KINDS, SERVICES } from '../../../../libs/domain/src/beds/bed-kinds';
import { STRATEGIES, URGENCIES } from '../../../../libs/domain/src/referral/referral-machine';
import { api, apiPaths } from '../api';
import { useApp } from '../app';
import { useAction, useInstitutions, useLive, useLoad } from '../hooks';
import { T } from '../i18n';
import { isReferralEvent, Referral } from '../model';
import { CardList, CheckGroup, CsvButton, ErrorBox, fmtTime, options, Select, short, TextField, toggled } from '../ui';
import { PatientRegister } from './patient-register';
import { ReferralCard } from './referral-card';

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
const NEW: Form = {
  patientId: '',
  requestedKind: 'COMMUNITY',
  services: [],
  urgency: 'ROUTINE',
  strategy: 'BROADCAST',
  clinicalSummary: '',
  careLevel: '',
  consent: false,
  targets: [],
};

/** Validation as the API does it (DraftReferralDto, RegisterPatientDto), before a round trip. */
function validate(f: Form, t: T): string[] {
  const errs: string[] = [];
  if (!/^[0-9a-f-]{36}$/i.test(f.patientId)) errs.push(t('outbox.patientId'));
  if (!f.clinicalSummary.trim() || f.clinicalSummary.length > 4000) errs.push(t('outbox.summary'));
  if (f.careLevel !== '' && !(Number.isInteger(Number(f.careLevel)) && Number(f.careLevel) >= 0 && Number(f.careLevel) <= 6)) errs.push(t('outbox.careLevel'));
  if (!f.consent) errs.push(t('outbox.consent'));
  if (!f.targets.length) errs.push(t('outbox.noTargets'));
  return errs;
}

/** The discharge planner's home: a new referral (draft, submit, offers in one go) and the referrals sent. */
export function Outbox() {
  const { t, claims, go } = useApp();
  const insts = useInstitutions();
  const list = useLoad(() => api.get<Referral[]>('/referrals?side=origin&limit=50'), []);
  useLive(isReferralEvent, list.reload);
  const [f, setF] = useState<Form>(NEW);
  const [errs, setErrs] = useState<string[]>([]);
  const [done, setDone] = useState<string>();
  const { run, busy, error } = useAction();
  const [hasCandidates, setHasCandidates] = useState(false);
  useEffect(() => {
    // Without the API document the candidate list is simply not offered.
    apiPaths().then(
      (p) => setHasCandidates(p.has('/referrals/{id}/candidates')),
      () => setHasCandidates(false),
    );
  }, []);
  const targets = (insts.data ?? []).filter((i) => i.id !== claims.inst).map((i) => ({ value: i.id, label: i.name }));
  const toggle = (k: 'services' | 'targets', v: string) => setF((x) => ({ ...x, [k]: toggled(x[k], v) }));

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const v = validate(f, t);
    setErrs(v);
    setDone(undefined);
    if (v.length) return;
    await run(async () => {
      const d = await api.post<{ referralId: string }>('/referrals', {
        patientId: f.patientId,
        requestedKind: f.requestedKind,
        services: f.services,
        urgency: f.urgency,
        strategy: f.strategy,
        clinicalSummary: f.clinicalSummary.trim(),
        consent: f.consent,
        ...(f.careLevel !== '' ? { careLevel: Number(f.careLevel) } : {}),
      });
      await api.post(`/referrals/${d.referralId}/submit`);
      for (const target of f.targets) await api.post(`/referrals/${d.referralId}/offers`, { targetInstitutionId: target });
      setDone(d.referralId);
      setF((x) => ({ ...x, patientId: '', clinicalSummary: '', consent: false, targets: [] }));
    });
    // A failure part-way (say, one offer refused) still leaves a referral to show.
    list.reload();
  };

  return (
    <section aria-labelledby="out-h">
      <h2 id="out-h">{t('outbox.title')}</h2>
      <div className="two">
        <form onSubmit={submit} noValidate aria-labelledby="new-h" className="card">
          <h3 id="new-h">{t('outbox.newReferral')}</h3>
          <PatientRegister onRegistered={(id) => setF((x) => ({ ...x, patientId: id }))} />
          <TextField
            label={t('outbox.patientId')}
            value={f.patientId}
            onChange={(v) => setF({ ...f, patientId: v.trim() })}
            required
            data-testid="patient-id"
            aria-invalid={errs.includes(t('outbox.patientId'))}
          />
          <Select
            label={t('outbox.requestedKind')}
            value={f.requestedKind}
            onChange={(requestedKind) => setF({ ...f, requestedKind })}
            choices={options(t, 'kind', BED_KINDS)}
            data-testid="requested-kind"
          />
          <CheckGroup
            legend={t('outbox.services')}
            choices={options(t, 'service', SERVICES)}
            checked={f.services}
            onToggle={(s) => toggle('services', s)}
            testId={(s) => `service-${s}`}
          />
          <div className="row">
            <Select label={t('outbox.urgency')} value={f.urgency} onChange={(urgency) => setF({ ...f, urgency })} choices={options(t, 'urgency', URGENCIES)} />
            <Select
              label={t('outbox.strategy')}
              value={f.strategy}
              onChange={(strategy) => setF({ ...f, strategy })}
              choices={options(t, 'strategy', STRATEGIES)}
            />
            <TextField
              label={t('outbox.careLevel')}
              type="number"
              min={0}
              max={6}
              value={f.careLevel}
              onChange={(careLevel) => setF({ ...f, careLevel })}
              data-testid="care-level"
            />
          </div>
          <label>
            {t('outbox.summary')}
            <textarea
              value={f.clinicalSummary}
              onChange={(e) => setF({ ...f, clinicalSummary: e.target.value })}
              maxLength={4000}
              rows={3}
              required
              data-testid="summary"
            />
          </label>
          <label className="check">
            <input type="checkbox" checked={f.consent} onChange={(e) => setF({ ...f, consent: e.target.checked })} data-testid="consent" />
            {t('outbox.consent')}
          </label>
          <CheckGroup
            legend={t('outbox.targets')}
            choices={targets}
            checked={f.targets}
            onToggle={(id) => toggle('targets', id)}
            testId={(id) => `target-${id}`}
          />
          {errs.length > 0 && (
            <div role="alert" className="error" data-testid="form-errors">
              {t('errors.VALIDATION_FAILED')}: {errs.join(t('cols.sep'))}
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
          <div className="row between">
            <h3>{t('outbox.list')}</h3>
            <CsvButton
              name="referrals"
              rows={() => [
                [t('audit.referralId'), t('state'), t('outbox.requestedKind'), t('outbox.urgency'), t('outbox.summary'), t('outbox.offers'), t('created')],
                ...(list.data ?? []).map((r) => [
                  r.id,
                  t(`referralState.${r.state}`),
                  t(`kind.${r.requestedKind}`),
                  t(`urgency.${r.urgency}`),
                  r.clinicalSummary,
                  r.offers.map((o) => `${o.targetName ?? short(o.targetInstitutionId)}: ${t(`offerState.${o.state}`)}`).join(' · '),
                  fmtTime(r.createdAt),
                ]),
              ]}
            />
          </div>
          <CardList query={list} empty={!list.data?.length} aria-live="polite" data-testid="outbox-list">
            {(list.data ?? []).map((r) => (
              <ReferralCard key={r.id} r={r} hasCandidates={hasCandidates} onChanged={list.reload} onAudit={() => go('audit', r.id)} />
            ))}
          </CardList>
        </div>
      </div>
    </section>
  );
}
