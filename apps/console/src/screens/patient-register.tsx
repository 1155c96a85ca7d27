import { useState } from 'react';
import { api } from '../api';
import { useApp } from '../app';
import { useAction } from '../hooks';
import { ErrorBox, Select, TextField } from '../ui';

const EMPTY = { residentId: '', name: '', phone: '', sex: '' };

/** Part of the outbox form: registers a patient and hands the new id to the referral. */
export function PatientRegister({ onRegistered }: { onRegistered: (id: string) => void }) {
  const { t } = useApp();
  const [p, setP] = useState(EMPTY);
  const { run, busy, error } = useAction();
  const submit = () =>
    run(async () => {
      const r = await api.post<{ patientId: string }>('/patients', {
        residentId: p.residentId.trim(),
        name: p.name.trim(),
        ...(p.phone ? { phone: p.phone } : {}),
        ...(p.sex ? { sex: p.sex } : {}),
      });
      onRegistered(r.patientId);
      setP(EMPTY);
    });
  return (
    <fieldset>
      <legend>{t('outbox.registerPatient')}</legend>
      <TextField
        label={t('outbox.residentId')}
        value={p.residentId}
        onChange={(residentId) => setP({ ...p, residentId })}
        minLength={18}
        maxLength={18}
        autoComplete="off"
        data-testid="resident-id"
      />
      <TextField
        label={t('outbox.name')}
        value={p.name}
        onChange={(name) => setP({ ...p, name })}
        maxLength={100}
        autoComplete="off"
        data-testid="patient-name"
      />
      <TextField label={t('outbox.phone')} value={p.phone} onChange={(phone) => setP({ ...p, phone })} pattern="\+?[0-9 -]{5,20}" autoComplete="off" />
      <Select
        label={t('outbox.sex')}
        value={p.sex}
        onChange={(sex) => setP({ ...p, sex })}
        blank="—"
        choices={[
          { value: 'F', label: t('outbox.sexF') },
          { value: 'M', label: t('outbox.sexM') },
        ]}
      />
      <button type="button" onClick={submit} disabled={busy || p.residentId.length !== 18 || !p.name.trim()} data-testid="register-patient">
        {t('outbox.registerPatient')}
      </button>
      <ErrorBox error={error} />
    </fieldset>
  );
}
