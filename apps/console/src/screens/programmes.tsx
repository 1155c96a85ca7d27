import { FormEvent, useState } from 'react';
import { HOME_BED_KINDS, SERVICES } from '../../../../libs/domain/src/beds/bed-kinds';
import { STAY_END_REASONS } from '../../../../libs/domain/src/stays/stay';
import { api } from '../api';
import { useApp } from '../app';
import { useAction, useInstitutions, useLive, useLoad } from '../hooks';
import { isReferralEvent } from '../model';
import { CheckGroup, CsvButton, ErrorBox, fmtTime, Head, LinkButton, Loading, options, Select, short, TextField, toggled } from '../ui';

export interface Programme {
  id: string;
  institutionId: string;
  districtId: string;
  kind: string;
  name: string;
  capacity: number;
  reserved: number;
  enrolled: number;
  used: number;
  free: number;
  areaCodes: string[];
  radiusKm: number | null;
  services: string[];
}

interface Enrolment {
  id: string;
  programmeId: string;
  patientId: string;
  referralId: string;
  startedAt: string;
  endedAt: string | null;
}

const STAFF = ['COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS'];

/**
 * Home programmes (家庭病床 / 家庭养老床位): community and care-home staff run their own (register,
 * change the number of places, see who is in care, end an enrolment, which frees the place);
 * the district coordinator sees the district's.
 */
export function Programmes() {
  const { t, claims } = useApp();
  const staff = STAFF.includes(claims.role) && !!claims.inst;
  const query = staff ? `institutionId=${claims.inst}` : `districtId=${encodeURIComponent(claims.dist ?? '')}`;
  const list = useLoad(() => api.get<Programme[]>(`/programmes?${query}`), [query]);
  const insts = useInstitutions();
  const [open, setOpen] = useState<string | null>(null);
  useLive((e) => e.aggregateType === 'Programme' || isReferralEvent(e), list.reload);
  const rows = list.data ?? [];
  const instName = (id: string) => insts.data?.find((i) => i.id === id)?.name ?? short(id);
  const shown = rows.find((p) => p.id === open);
  return (
    <section aria-labelledby="prog-h">
      <div className="row between">
        <h2 id="prog-h">{t('prog.title')}</h2>
        <CsvButton
          name="programmes"
          rows={() => [
            [t('prog.name'), t('prog.institution'), t('prog.kind'), t('prog.capacity'), t('prog.reserved'), t('prog.enrolled'), t('prog.free')],
            ...rows.map((p) => [p.name, instName(p.institutionId), t(`kind.${p.kind}`), p.capacity, p.reserved, p.enrolled, p.free]),
          ]}
        />
      </div>
      {staff && <RegisterProgramme institutionId={claims.inst!} onDone={list.reload} />}
      <ErrorBox error={list.error} />
      <Loading loading={list.loading} empty={!rows.length}>
        <div className="scroll">
          <table data-testid="programmes">
            <Head
              columns={[
                t('prog.name'),
                ...(staff ? [] : [t('prog.institution')]),
                t('prog.kind'),
                t('prog.capacity'),
                t('prog.reserved'),
                t('prog.enrolled'),
                t('prog.free'),
                t('actions'),
              ]}
            />
            <tbody>
              {rows.map((p) => (
                <tr key={p.id} data-testid={`programme-${p.id}`}>
                  <th scope="row">{p.name}</th>
                  {!staff && <td>{instName(p.institutionId)}</td>}
                  <td>{t(`kind.${p.kind}`)}</td>
                  <td data-testid="capacity">{p.capacity}</td>
                  <td data-testid="reserved">{p.reserved}</td>
                  <td data-testid="enrolled">{p.enrolled}</td>
                  <td data-testid="free">{p.free}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      aria-expanded={open === p.id}
                      aria-controls="enrolments"
                      data-testid="show-enrolments"
                      onClick={() => setOpen(open === p.id ? null : p.id)}
                    >
                      {open === p.id ? t('prog.hideEnrolments') : t('prog.showEnrolments')}
                      <span className="sr-only"> {p.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Loading>
      {shown && <ProgrammeDetail key={shown.id} p={shown} mine={staff && shown.institutionId === claims.inst} onChanged={list.reload} />}
    </section>
  );
}

/** One programme opened: its places (staff change them) and who is in care (staff end an enrolment). */
function ProgrammeDetail({ p, mine, onChanged }: { p: Programme; mine: boolean; onChanged: () => void }) {
  const { t } = useApp();
  const [ended, setEnded] = useState(false);
  const list = useLoad(() => api.get<Enrolment[]>(`/programmes/${p.id}/enrolments${ended ? '?ended=true' : ''}`), [p.id, ended]);
  const reload = () => {
    list.reload();
    onChanged();
  };
  useLive((e) => e.aggregateType === 'Programme' && e.payload.programmeId === p.id, list.reload);
  const rows = list.data ?? [];
  return (
    <div id="enrolments" className="card" aria-labelledby="enr-h" data-testid="enrolments">
      <h3 id="enr-h">
        {p.name} · {t('prog.enrolments')}
      </h3>
      {mine && <CapacityForm p={p} onDone={reload} />}
      <label className="check">
        <input type="checkbox" checked={ended} onChange={() => setEnded(!ended)} data-testid="show-ended" />
        {t('prog.showEnded')}
      </label>
      <ErrorBox error={list.error} />
      {!list.loading && !rows.length ? (
        <p className="muted empty">{t('prog.noEnrolments')}</p>
      ) : (
        <ul className="cards">
          {rows.map((e) => (
            <EnrolmentCard key={e.id} e={e} mine={mine} onDone={reload} />
          ))}
        </ul>
      )}
    </div>
  );
}

function EnrolmentCard({ e, mine, onDone }: { e: Enrolment; mine: boolean; onDone: () => void }) {
  const { t, go } = useApp();
  const [reason, setReason] = useState('ENROLMENT_ENDED');
  const { run, busy, error } = useAction(onDone);
  return (
    <li className="card" data-testid={`enrolment-${e.patientId}`}>
      <dl className="summary">
        <dt>{t('prog.patient')}</dt>
        <dd>
          <code>{short(e.patientId)}</code> <LinkButton onClick={() => go('journey', e.patientId)}>{t('prog.journey')}</LinkButton>
        </dd>
        <dt>{t('prog.since')}</dt>
        <dd>{fmtTime(e.startedAt)}</dd>
        {e.endedAt && (
          <>
            <dt>{t('prog.ended')}</dt>
            <dd>{fmtTime(e.endedAt)}</dd>
          </>
        )}
      </dl>
      {mine && !e.endedAt && (
        <div className="row">
          <Select label={t('prog.endReason')} value={reason} onChange={setReason} choices={options(t, 'stayEnd', STAY_END_REASONS)} data-testid="end-reason" />
          <button
            type="button"
            className="danger"
            disabled={busy}
            aria-label={t('prog.endFor', { id: short(e.patientId) })}
            data-testid="end-enrolment"
            onClick={() => void run(() => api.post(`/patients/${e.patientId}/stay/end`, { reason, programmeId: e.programmeId }))}
          >
            {t('prog.end')}
          </button>
        </div>
      )}
      <ErrorBox error={error} />
    </li>
  );
}

function CapacityForm({ p, onDone }: { p: Programme; onDone: () => void }) {
  const { t } = useApp();
  const [capacity, setCapacity] = useState(String(p.capacity));
  const [reason, setReason] = useState('');
  const { run, busy, error } = useAction(onDone);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    void run(() => api.post(`/programmes/${p.id}/capacity`, { capacity: Number(capacity), ...(reason.trim() ? { reason: reason.trim() } : {}) }));
  };
  return (
    <form className="row" onSubmit={submit} aria-label={t('prog.changeCapacity')}>
      <TextField label={t('prog.newCapacity')} type="number" min={0} max={10000} value={capacity} onChange={setCapacity} required data-testid="new-capacity" />
      <TextField label={t('prog.reason')} value={reason} onChange={setReason} maxLength={500} />
      <button type="submit" disabled={busy} data-testid="save-capacity">
        {t('prog.changeCapacity')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function RegisterProgramme({ institutionId, onDone }: { institutionId: string; onDone: () => void }) {
  const { t, claims } = useApp();
  const EMPTY = {
    name: '',
    kind: claims.role === 'CARE_HOME_ADMISSIONS' ? 'HOME_CARE' : 'HOME_SICKBED',
    capacity: '5',
    areaCodes: '',
    radiusKm: '',
    services: [] as string[],
  };
  const [f, setF] = useState(EMPTY);
  const [done, setDone] = useState(false);
  const { run, busy, error } = useAction(onDone);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    setDone(false);
    const areaCodes = f.areaCodes
      .split(/[,，\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    void run(async () => {
      await api.post('/programmes', {
        institutionId,
        kind: f.kind,
        name: f.name.trim(),
        capacity: Number(f.capacity),
        ...(areaCodes.length ? { areaCodes } : {}),
        ...(f.radiusKm ? { radiusKm: Number(f.radiusKm) } : {}),
        ...(f.services.length ? { services: f.services } : {}),
      });
      setF(EMPTY);
      setDone(true);
    });
  };
  return (
    <details className="card">
      <summary>{t('prog.register')}</summary>
      <form onSubmit={submit} aria-label={t('prog.register')}>
        <div className="row">
          <TextField label={t('prog.name')} value={f.name} onChange={set('name')} maxLength={120} required data-testid="programme-name" />
          <Select label={t('prog.kind')} value={f.kind} onChange={set('kind')} choices={options(t, 'kind', HOME_BED_KINDS)} />
          <TextField
            label={t('prog.capacity')}
            type="number"
            min={0}
            max={10000}
            value={f.capacity}
            onChange={set('capacity')}
            required
            data-testid="programme-capacity"
          />
          <TextField label={t('prog.areaCodes')} value={f.areaCodes} onChange={set('areaCodes')} />
          <TextField label={t('prog.radiusKm')} type="number" min={0} max={200} step="0.1" value={f.radiusKm} onChange={set('radiusKm')} />
        </div>
        <CheckGroup
          legend={t('prog.services')}
          choices={options(t, 'service', SERVICES)}
          checked={f.services}
          onToggle={(v) => setF({ ...f, services: toggled(f.services, v) })}
        />
        <button type="submit" disabled={busy} data-testid="register-programme">
          {t('prog.register')}
        </button>
        {done && (
          <p role="status" className="ok">
            {t('prog.registered')}
          </p>
        )}
        <ErrorBox error={error} />
      </form>
    </details>
  );
}
