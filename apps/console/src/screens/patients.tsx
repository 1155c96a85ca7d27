import { FormEvent, useState } from 'react';
import type { AssessmentType, CareAssessment } from '../../../../libs/domain/src/patients/patient';
import { checkCareEligibility, DistrictPolicyDoc } from '../../../../libs/domain/src/policy/policy';
import { api } from '../api';
import { useApp } from '../app';
import { useAction, useInstitutions, useLoad } from '../hooks';
import { ErrorBox, LinkButton, options, Select, TextField } from '../ui';

interface PatientRecord {
  id: string;
  name: string;
  residentId: string;
  phone: string | null;
  sex: string;
  birthDate: string;
  assessment: CareAssessment | null;
  hardship: boolean;
}

/** The domain's assessment types (patient.ts pulls node:crypto in with its aggregate, so only its type is imported). */
const ASSESSMENT_TYPES: readonly AssessmentType[] = ['INITIAL', 'ONGOING', 'REVIEW'];
const STAFF = ['DISCHARGE_PLANNER', 'COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS'];
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const yearsLater = (day: string, n: number) => `${Number(day.slice(0, 4)) + n}${day.slice(4)}`;

/**
 * Patients: find one by resident ID (an audited read: the reason typed here joins the patient's
 * trail; the API shows each institution what it may see), register one with a home address and an
 * assessment, record a new assessment. Eligibility for care beds is worked out with the domain's
 * own rule and the district's policy, so the screen says what the API would refuse and why.
 */
export function Patients() {
  const { t, claims } = useApp();
  const [record, setRecord] = useState<PatientRecord | null>(null);
  const [reason, setReason] = useState(() => t('pat.defaultReason'));
  const staff = STAFF.includes(claims.role);
  const open = (r: PatientRecord) => setRecord(r);
  return (
    <section aria-labelledby="pat-h">
      <h2 id="pat-h">{t('pat.title')}</h2>
      <PatientSearch reason={reason} setReason={setReason} onFound={open} />
      {record && <PatientCard key={record.id} p={record} onChange={setRecord} />}
      {staff && <RegisterPatient reason={reason} onRegistered={open} />}
    </section>
  );
}

/** A resident ID (15 digits, or 17 and a check character) is looked up; anything else is a name among my patients. */
const isResidentId = (s: string) => /^(\d{15}|\d{17}[\dXx])$/.test(s.trim());
/** 3101**********123X: enough to tell two results apart, not a number to copy. */
const masked = (id: string) => (id.length > 10 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}` : id);

function PatientSearch({ reason, setReason, onFound }: { reason: string; setReason: (v: string) => void; onFound: (r: PatientRecord) => void }) {
  const { t, claims } = useApp();
  // a name search looks among the institution's own patients; district roles look up resident IDs
  const byName = !!claims.inst && !['DISTRICT_COORDINATOR', 'AUDITOR'].includes(claims.role);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<PatientRecord[] | null>(null);
  const { run, busy, error } = useAction();
  const why = `reason=${encodeURIComponent(reason.trim())}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setResults(null);
    const q = query.trim();
    void run(async () => {
      if (!byName || isResidentId(q)) return onFound(await api.get<PatientRecord>(`/patients?residentId=${encodeURIComponent(q)}&${why}`));
      const found = await api.get<PatientRecord[]>(`/patients/search?name=${encodeURIComponent(q)}&${why}`);
      setResults(found);
      if (found.length === 1) onFound(found[0]);
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="ps-h">
      <h3 id="ps-h">{byName ? t('pat.searchAny') : t('pat.search')}</h3>
      <div className="row">
        <TextField
          label={byName ? t('pat.idOrName') : t('pat.residentId')}
          value={query}
          onChange={setQuery}
          minLength={2}
          maxLength={100}
          autoComplete="off"
          required
          data-testid="search-resident-id"
        />
        <TextField label={t('pat.accessReason')} value={reason} onChange={setReason} maxLength={500} required data-testid="access-reason" />
        <button type="submit" disabled={busy} data-testid="search-patient">
          {t('pat.find')}
        </button>
      </div>
      <ErrorBox error={error} />
      {results && (
        <>
          <p role="status" className="muted small">
            {t('pat.matches', { n: String(results.length) })}
          </p>
          <ul className="plain" data-testid="search-results">
            {results.map((p) => (
              <li key={p.id}>
                <LinkButton onClick={() => onFound(p)}>
                  {p.name || '—'} · {p.sex === 'F' ? t('pat.sexF') : t('pat.sexM')} · {p.birthDate} · {masked(p.residentId)}
                </LinkButton>
              </li>
            ))}
          </ul>
        </>
      )}
    </form>
  );
}

/** The record as the API gave it, the care-bed eligibility, and a new assessment. */
function PatientCard({ p, onChange }: { p: PatientRecord; onChange: (p: PatientRecord) => void }) {
  const { t, go, claims } = useApp();
  const policy = useLoad(
    () => (claims.dist ? api.get<DistrictPolicyDoc>(`/districts/${encodeURIComponent(claims.dist)}/policy`) : Promise.resolve(null)),
    [claims.dist],
  );
  const age = ageToday(p.birthDate);
  const a = p.assessment;
  return (
    <article className="card" aria-labelledby="rec-h" data-testid="patient-record" data-patient={p.id}>
      <h3 id="rec-h">
        {t('pat.record')}: <span data-testid="record-name">{p.name || '—'}</span>
      </h3>
      <dl className="summary">
        <dt>{t('pat.patientId')}</dt>
        <dd>
          <code data-testid="record-id">{p.id}</code> <LinkButton onClick={() => go('journey', p.id)}>{t('pat.journey')}</LinkButton>
        </dd>
        <dt>{t('pat.residentId')}</dt>
        <dd data-testid="record-resident-id">{p.residentId}</dd>
        <dt>{t('pat.sex')}</dt>
        <dd>{p.sex === 'F' ? t('pat.sexF') : t('pat.sexM')}</dd>
        <dt>{t('pat.birthDate')}</dt>
        <dd>
          {p.birthDate} ({t('pat.years', { n: String(age) })})
        </dd>
        <dt>{t('pat.phone')}</dt>
        <dd>{p.phone ?? '—'}</dd>
        <dt>{t('pat.assessment')}</dt>
        <dd data-testid="record-assessment">
          {a
            ? `${t(`assessType.${a.type}`)} · ${a.grade} · ${a.assessedOn} → ${a.expiresOn}${a.cognitiveImpairment ? ` · ${t('pat.cognitive')}` : ''}`
            : t('pat.noAssessment')}
          {p.hardship ? ` · ${t('pat.hardship')}` : ''}
        </dd>
      </dl>
      {policy.data && (
        <>
          <h4>{t('pat.eligibility')}</h4>
          <ul className="plain" data-testid="eligibility">
            {(['CARE_HOME', 'HOME_CARE'] as const).map((kind) => {
              const v = checkCareEligibility(policy.data!, kind, a, new Date(), { birthDate: p.birthDate, hardship: p.hardship });
              return (
                <li key={kind} data-testid={`eligible-${kind}`} data-ok={v.ok} data-reason={v.ok ? undefined : v.details.reason}>
                  <strong>{t(`kind.${kind}`)}</strong>:{' '}
                  {v.ok ? (
                    <span className="ok-text">✓ {t('pat.eligible')}</span>
                  ) : (
                    <span className="late">
                      ✗ {t(`why.${v.details.reason}`, Object.fromEntries(Object.entries(v.details).map(([k, x]) => [k, String(x)])))}
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      <AssessmentForm p={p} onSaved={onChange} />
    </article>
  );
}

function ageToday(birthDate: string): number {
  const d = today();
  let age = Number(d.slice(0, 4)) - Number(birthDate.slice(0, 4));
  if (d.slice(5) < birthDate.slice(5)) age--;
  return age;
}

interface AssessmentFields {
  grade: string;
  type: string;
  assessedOn: string;
  expiresOn: string;
  cognitive: boolean;
}
const newAssessment = (): AssessmentFields => ({ grade: '', type: 'INITIAL', assessedOn: today(), expiresOn: yearsLater(today(), 2), cognitive: false });
const assessmentBody = (f: AssessmentFields) => ({
  grade: Number(f.grade),
  type: f.type,
  assessedOn: f.assessedOn,
  expiresOn: f.expiresOn,
  cognitiveImpairment: f.cognitive,
});

/** The fields of an assessment (grade, type, dates, cognitive impairment); `prefix` keeps ids and test ids apart. */
function AssessmentFieldset({ f, setF, prefix }: { f: AssessmentFields; setF: (f: AssessmentFields) => void; prefix: string }) {
  const { t } = useApp();
  return (
    <div className="row">
      <TextField
        label={t('pat.grade')}
        type="number"
        min={0}
        max={6}
        value={f.grade}
        onChange={(grade) => setF({ ...f, grade })}
        required
        data-testid={`${prefix}-grade`}
      />
      <Select label={t('pat.type')} value={f.type} onChange={(type) => setF({ ...f, type })} choices={options(t, 'assessType', ASSESSMENT_TYPES)} />
      <TextField
        label={t('pat.assessedOn')}
        type="date"
        value={f.assessedOn}
        onChange={(assessedOn) => setF({ ...f, assessedOn })}
        required
        data-testid={`${prefix}-assessed-on`}
      />
      <TextField
        label={t('pat.expiresOn')}
        type="date"
        value={f.expiresOn}
        onChange={(expiresOn) => setF({ ...f, expiresOn })}
        required
        data-testid={`${prefix}-expires-on`}
      />
      <label className="check">
        <input type="checkbox" checked={f.cognitive} onChange={() => setF({ ...f, cognitive: !f.cognitive })} />
        {t('pat.cognitive')}
      </label>
    </div>
  );
}

function AssessmentForm({ p, onSaved }: { p: PatientRecord; onSaved: (p: PatientRecord) => void }) {
  const { t } = useApp();
  const [f, setF] = useState(newAssessment);
  const [hardship, setHardship] = useState(p.hardship);
  const [note, setNote] = useState('');
  const { run, busy, error } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNote('');
    void run(async () => {
      const body = assessmentBody(f);
      const r = await api.post<{ escalated?: string }>(`/patients/${p.id}/assessment`, { assessment: body, hardship });
      // the form's values are what was recorded: no second (audited) read of the record
      onSaved({ ...p, assessment: { ...body, type: body.type as CareAssessment['type'] }, hardship });
      setNote(r.escalated ? t('pat.escalated') : t('pat.assessmentSaved'));
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="as-h">
      <h4 id="as-h">{t('pat.saveAssessment')}</h4>
      <AssessmentFieldset f={f} setF={setF} prefix="assess" />
      <label className="check">
        <input type="checkbox" checked={hardship} onChange={() => setHardship(!hardship)} />
        {t('pat.hardship')}
      </label>
      <button type="submit" disabled={busy || f.grade === ''} data-testid="save-assessment">
        {t('pat.saveAssessment')}
      </button>
      {note && (
        <p role="status" className="ok" data-testid="assessment-saved">
          {note}
        </p>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

const EMPTY = { residentId: '', name: '', phone: '', sex: '', areaCode: '', lat: '', lng: '', familyDoctor: '', hardship: false };

/** Register a patient with a home address (matched against home programmes) and, if there is one, an assessment. */
function RegisterPatient({ reason, onRegistered }: { reason: string; onRegistered: (r: PatientRecord) => void }) {
  const { t } = useApp();
  const insts = useInstitutions();
  const [f, setF] = useState(EMPTY);
  const [withAssessment, setWithAssessment] = useState(false);
  const [a, setA] = useState(newAssessment);
  const { run, busy, error } = useAction();
  const set = (k: keyof typeof EMPTY) => (v: string) => setF({ ...f, [k]: v });
  const centres = (insts.data ?? []).filter((i) => i.type === 'COMMUNITY_HEALTH_CENTRE').map((i) => ({ value: i.id, label: i.name }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const home = {
        ...(f.areaCode.trim() ? { areaCode: f.areaCode.trim() } : {}),
        ...(f.lat && f.lng ? { lat: Number(f.lat), lng: Number(f.lng) } : {}),
      };
      const residentId = f.residentId.trim().toUpperCase();
      await api.post<{ patientId: string }>('/patients', {
        residentId,
        name: f.name.trim(),
        ...(f.phone.trim() ? { phone: f.phone.trim() } : {}),
        ...(f.sex ? { sex: f.sex } : {}),
        ...(Object.keys(home).length ? { home } : {}),
        ...(f.familyDoctor ? { familyDoctorInstitutionId: f.familyDoctor } : {}),
        ...(withAssessment ? { assessment: assessmentBody(a) } : {}),
        ...(f.hardship ? { hardship: true } : {}),
      });
      // open what the API now shows this institution (an audited read, with the reason above)
      onRegistered(
        await api.get<PatientRecord>(
          `/patients?residentId=${encodeURIComponent(residentId)}&reason=${encodeURIComponent(reason.trim() || t('pat.defaultReason'))}`,
        ),
      );
      setF(EMPTY);
      setWithAssessment(false);
      setA(newAssessment());
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="pr-h">
      <h3 id="pr-h">{t('pat.register')}</h3>
      <div className="row">
        <TextField
          label={t('pat.residentId')}
          value={f.residentId}
          onChange={set('residentId')}
          minLength={18}
          maxLength={18}
          autoComplete="off"
          required
          data-testid="new-resident-id"
        />
        <TextField label={t('pat.name')} value={f.name} onChange={set('name')} maxLength={100} autoComplete="off" required data-testid="new-name" />
        <TextField label={t('pat.phone')} value={f.phone} onChange={set('phone')} pattern="\+?[0-9 -]{5,20}" autoComplete="off" />
        <Select
          label={t('pat.sex')}
          value={f.sex}
          onChange={set('sex')}
          blank="—"
          choices={[
            { value: 'F', label: t('pat.sexF') },
            { value: 'M', label: t('pat.sexM') },
          ]}
        />
      </div>
      <fieldset>
        <legend>{t('pat.home')}</legend>
        <div className="row">
          <TextField label={t('pat.areaCode')} value={f.areaCode} onChange={set('areaCode')} pattern="[A-Za-z0-9_\-]{1,40}" data-testid="new-area-code" />
          <TextField label={t('pat.lat')} type="number" step="0.000001" min={-90} max={90} value={f.lat} onChange={set('lat')} />
          <TextField label={t('pat.lng')} type="number" step="0.000001" min={-180} max={180} value={f.lng} onChange={set('lng')} />
        </div>
      </fieldset>
      <Select label={t('pat.familyDoctor')} value={f.familyDoctor} onChange={set('familyDoctor')} blank={t('pat.none')} choices={centres} />
      <label className="check">
        <input type="checkbox" checked={withAssessment} onChange={() => setWithAssessment(!withAssessment)} data-testid="with-assessment" />
        {t('pat.withAssessment')}
      </label>
      {withAssessment && <AssessmentFieldset f={a} setF={setA} prefix="new" />}
      <label className="check">
        <input type="checkbox" checked={f.hardship} onChange={() => setF({ ...f, hardship: !f.hardship })} />
        {t('pat.hardship')}
      </label>
      <button type="submit" disabled={busy} data-testid="register-new-patient">
        {t('pat.register')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
