import { FormEvent, useState } from 'react';
import { api } from '../api';
import { useApp } from '../app';
import { useAction, useInstitutions, useLoad } from '../hooks';
import { CsvButton, ErrorBox, Head, Loading, options, Select, TextField } from '../ui';

interface Account {
  id: string;
  username: string;
  displayName: string;
  role: string;
  institutionId: string | null;
  disabled: boolean;
  totp: boolean;
  locked: boolean;
}
const ROLES = ['DISCHARGE_PLANNER', 'COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS', 'FAMILY_DOCTOR', 'DISTRICT_COORDINATOR', 'AUDITOR'];
const DISTRICT_ROLES = ['DISTRICT_COORDINATOR', 'AUDITOR'];

/** The district coordinator's accounts: create, disable or enable, reset a password or the second factor. */
export function Users() {
  const { t } = useApp();
  const list = useLoad(() => api.get<Account[]>('/users'), []);
  const insts = useInstitutions();
  const instName = (id: string | null) => (id ? (insts.data?.find((i) => i.id === id)?.name ?? id) : '—');
  const status = (a: Account) => (a.disabled ? t('users.disabled') : a.locked ? t('users.locked') : t('users.active'));
  const rows = list.data ?? [];
  return (
    <section aria-labelledby="users-h">
      <div className="row between">
        <h2 id="users-h">{t('users.title')}</h2>
        <CsvButton
          name="accounts"
          rows={() => [
            [t('users.username'), t('users.displayName'), t('users.role'), t('users.institution'), t('users.status'), t('users.totp')],
            ...rows.map((a) => [a.username, a.displayName, t(`role.${a.role}`), instName(a.institutionId), status(a), a.totp ? '✓' : '']),
          ]}
        />
      </div>
      <CreateUser onDone={list.reload} insts={(insts.data ?? []).map((i) => ({ value: i.id, label: i.name }))} />
      <ErrorBox error={list.error} />
      <Loading loading={list.loading} empty={!rows.length}>
        <div className="scroll">
          <table data-testid="users">
            <Head columns={[t('users.username'), t('users.displayName'), t('users.role'), t('users.institution'), t('users.status'), t('actions')]} />
            <tbody>
              {rows.map((a) => (
                <UserRow key={a.id} a={a} inst={instName(a.institutionId)} status={status(a)} onDone={list.reload} />
              ))}
            </tbody>
          </table>
        </div>
      </Loading>
    </section>
  );
}

function UserRow({ a, inst, status, onDone }: { a: Account; inst: string; status: string; onDone: () => void }) {
  const { t } = useApp();
  const [pw, setPw] = useState('');
  const { run, busy, error } = useAction(onDone);
  const act = (path: string, body: object = {}) => void run(() => api.post(`/users/${a.id}/${path}`, body));
  return (
    <tr data-testid={`user-${a.username}`}>
      <td>{a.username}</td>
      <td>{a.displayName}</td>
      <td>{t(`role.${a.role}`)}</td>
      <td>{inst}</td>
      <td data-testid="status">{status}</td>
      <td>
        <div className="row">
          {a.disabled ? (
            <button type="button" className="secondary" disabled={busy} onClick={() => act('enable')}>
              {t('users.enable')}
            </button>
          ) : (
            <button type="button" className="secondary" disabled={busy} onClick={() => act('disable')}>
              {t('users.disable')}
            </button>
          )}
          <TextField
            label={`${t('users.newPassword')} (${a.username})`}
            hideLabel
            type="password"
            autoComplete="new-password"
            value={pw}
            onChange={setPw}
            size={12}
          />
          <button type="button" className="secondary" disabled={busy || pw.length < 10} onClick={() => act('reset-password', { password: pw })}>
            {t('users.reset')}
          </button>
          {a.totp && (
            <button type="button" className="secondary" disabled={busy} onClick={() => act('reset-totp')}>
              {t('users.resetTotp')}
            </button>
          )}
        </div>
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}

function CreateUser({ onDone, insts }: { onDone: () => void; insts: { value: string; label: string }[] }) {
  const { t } = useApp();
  const [f, setF] = useState({ username: '', displayName: '', role: 'DISCHARGE_PLANNER', institutionId: '', password: '' });
  const { run, busy, error } = useAction(onDone);
  const district = DISTRICT_ROLES.includes(f.role);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.post('/users', { ...f, institutionId: district ? undefined : f.institutionId || undefined });
      setF({ ...f, username: '', displayName: '', password: '' });
    });
  };
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  return (
    <form className="card row wrap" onSubmit={submit} aria-label={t('users.create')}>
      <TextField label={t('users.username')} value={f.username} onChange={set('username')} autoComplete="off" required />
      <TextField label={t('users.displayName')} value={f.displayName} onChange={set('displayName')} required />
      <Select label={t('users.role')} value={f.role} onChange={set('role')} choices={options(t, 'role', ROLES)} />
      {!district && <Select label={t('users.institution')} value={f.institutionId} onChange={set('institutionId')} choices={insts} blank="—" required />}
      <TextField
        label={t('users.password')}
        type="password"
        autoComplete="new-password"
        minLength={10}
        value={f.password}
        onChange={set('password')}
        required
      />
      <button type="submit" disabled={busy}>
        {t('users.create')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
