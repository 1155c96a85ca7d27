import { FormEvent, useState } from 'react';
import { BED_KINDS, DIRECTIONS, SERVICES } from '../../../../libs/domain/src/beds/bed-kinds';
import { api } from '../api';
import { useApp } from '../app';
import { useAction, useInstitutions, useLive, useLoad } from '../hooks';
import { CheckGroup, CsvButton, ErrorBox, Head, Loading, options, Select, short, TextField, toggled } from '../ui';

interface Agreement {
  id: string;
  districtId: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  kinds: string[];
  directions: string[];
  services: string[];
  validFrom: string | null;
  validUntil: string | null;
}

/** Today in Shanghai, the district's calendar (agreements are in force by calendar day). */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const statusOf = (a: Agreement, day: string) => (a.validFrom && day < a.validFrom ? 'notYet' : a.validUntil && day > a.validUntil ? 'lapsed' : 'inForce');

/**
 * Cooperation agreements (协作协议): who may refer to whom, for which bed kinds, directions and
 * services, in which period. The district coordinator registers them; institutions see theirs.
 */
export function Agreements() {
  const { t, claims } = useApp();
  const list = useLoad(() => api.get<Agreement[]>('/agreements'), []);
  const insts = useInstitutions();
  useLive((e) => e.aggregateType === 'Agreement', list.reload);
  const name = (id: string) => insts.data?.find((i) => i.id === id)?.name ?? short(id);
  const all = (xs: string[], table: string) => (xs.length ? xs.map((x) => t(`${table}.${x}`)).join('、') : t('agr.any'));
  const period = (a: Agreement) => `${a.validFrom ?? '…'} – ${a.validUntil ?? t('agr.openEnded')}`;
  const rows = list.data ?? [];
  const day = today();
  const columns = [t('agr.from'), t('agr.to'), t('agr.kinds'), t('agr.directions'), t('agr.services'), t('agr.period'), t('agr.status')];
  return (
    <section aria-labelledby="agr-h">
      <div className="row between">
        <h2 id="agr-h">{t('agr.title')}</h2>
        <CsvButton
          name="agreements"
          rows={() => [
            columns,
            ...rows.map((a) => [
              name(a.fromInstitutionId),
              name(a.toInstitutionId),
              all(a.kinds, 'kind'),
              all(a.directions, 'direction'),
              all(a.services, 'service'),
              period(a),
              t(`agr.${statusOf(a, day)}`),
            ]),
          ]}
        />
      </div>
      {claims.role === 'DISTRICT_COORDINATOR' && (
        <CreateAgreement onDone={list.reload} insts={(insts.data ?? []).map((i) => ({ value: i.id, label: i.name }))} />
      )}
      <ErrorBox error={list.error ?? insts.error} />
      <Loading loading={list.loading} empty={!rows.length}>
        <div className="scroll">
          <table data-testid="agreements">
            <Head columns={columns} />
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} data-testid={`agreement-${a.id}`}>
                  <td>{name(a.fromInstitutionId)}</td>
                  <td>{name(a.toInstitutionId)}</td>
                  <td>{all(a.kinds, 'kind')}</td>
                  <td>{all(a.directions, 'direction')}</td>
                  <td>{all(a.services, 'service')}</td>
                  <td data-testid="period">{period(a)}</td>
                  <td data-testid="status" data-status={statusOf(a, day)}>
                    {t(`agr.${statusOf(a, day)}`)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Loading>
    </section>
  );
}

const EMPTY = { from: '', to: '', kinds: [] as string[], directions: [] as string[], services: [] as string[], validFrom: '', validUntil: '' };

function CreateAgreement({ onDone, insts }: { onDone: () => void; insts: { value: string; label: string }[] }) {
  const { t } = useApp();
  const [f, setF] = useState(EMPTY);
  const [done, setDone] = useState(false);
  const { run, busy, error } = useAction(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    void run(async () => {
      await api.post('/agreements', {
        fromInstitutionId: f.from,
        toInstitutionId: f.to,
        kinds: f.kinds,
        directions: f.directions,
        services: f.services,
        ...(f.validFrom ? { validFrom: f.validFrom } : {}),
        ...(f.validUntil ? { validUntil: f.validUntil } : {}),
      });
      setF(EMPTY);
      setDone(true);
    });
  };
  const toggle = (k: 'kinds' | 'directions' | 'services') => (v: string) => setF({ ...f, [k]: toggled(f[k], v) });
  return (
    <details className="card" open>
      <summary>{t('agr.create')}</summary>
      <form onSubmit={submit} aria-label={t('agr.create')}>
        <div className="row">
          <Select label={t('agr.from')} value={f.from} onChange={(from) => setF({ ...f, from })} choices={insts} blank="—" required data-testid="agr-from" />
          <Select label={t('agr.to')} value={f.to} onChange={(to) => setF({ ...f, to })} choices={insts} blank="—" required data-testid="agr-to" />
          <TextField
            label={t('agr.validFrom')}
            type="date"
            value={f.validFrom}
            onChange={(validFrom) => setF({ ...f, validFrom })}
            data-testid="agr-valid-from"
          />
          <TextField
            label={t('agr.validUntil')}
            type="date"
            value={f.validUntil}
            onChange={(validUntil) => setF({ ...f, validUntil })}
            data-testid="agr-valid-until"
          />
        </div>
        <CheckGroup
          legend={t('agr.kinds')}
          choices={options(t, 'kind', BED_KINDS)}
          checked={f.kinds}
          onToggle={toggle('kinds')}
          testId={(v) => `agr-kind-${v}`}
        />
        <CheckGroup
          legend={t('agr.directions')}
          choices={options(t, 'direction', DIRECTIONS)}
          checked={f.directions}
          onToggle={toggle('directions')}
          testId={(v) => `agr-direction-${v}`}
        />
        <CheckGroup
          legend={t('agr.services')}
          choices={options(t, 'service', SERVICES)}
          checked={f.services}
          onToggle={toggle('services')}
          testId={(v) => `agr-service-${v}`}
        />
        <button type="submit" disabled={busy} data-testid="create-agreement">
          {t('agr.create')}
        </button>
        {done && (
          <p role="status" className="ok" data-testid="agreement-created">
            {t('agr.created')}
          </p>
        )}
        <ErrorBox error={error} />
      </form>
    </details>
  );
}
