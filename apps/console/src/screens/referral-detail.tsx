import { FormEvent, KeyboardEvent, useEffect, useRef, useState } from 'react';
import { ESCORT_NEEDS, TRANSPORT_MODES } from '../../../../libs/domain/src/referral/around';
import { api } from '../api';
import { useApp } from '../app';
import { useAction, useLive, useLoad } from '../hooks';
import { Referral } from '../model';
import { CardHeader, CheckGroup, ErrorBox, fmtTime, Head, LinkButton, options, Select, short, StateBadge, TextField, toggled } from '../ui';

interface Transport {
  mode: string;
  status: string;
  pickupAt: string;
  expectedArrivalAt: string | null;
  escort: string[];
  note: string | null;
}
type Detail = Referral & { transport?: Transport | null };

interface Doc {
  documentId: string;
  filename: string;
  mediaType: string;
  size: number;
  description: string | null;
  uploadedAt: string;
}

interface Message {
  messageId: string;
  targetInstitutionId: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  kind: string;
  text: string;
  sentAt: string;
  readAt: string | null;
}

const TABS = ['documents', 'messages', 'transport'] as const;
type Tab = (typeof TABS)[number];

/**
 * One referral's files, threads and transport, for the origin and the targets with a live or
 * accepted offer (the API decides; anyone else gets its refusal, translated).
 */
export function ReferralDetail({ id }: { id: string }) {
  const { t, claims } = useApp();
  const r = useLoad(() => api.get<Detail>(`/referrals/${id}`), [id]);
  useLive((e) => e.aggregateId === id, r.reload);
  const [tab, setTab] = useState<Tab>('documents');
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  // arrow keys move between tabs (WAI-ARIA tabs pattern); Tab goes into the panel
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    setTab(TABS[next]);
    refs.current[next]?.focus();
  };
  const origin = r.data?.origin.institutionId === claims.inst;
  return (
    <section aria-labelledby="ref-h">
      <LinkButton onClick={() => history.back()}>← {t('ref.back')}</LinkButton>
      <h2 id="ref-h">
        {t('ref.title')} {short(id)}
      </h2>
      <ErrorBox error={r.error} />
      {r.data && (
        <>
          <CardHeader
            title={
              <>
                {r.data.origin.name} · {t(`kind.${r.data.requestedKind}`)} · {t(`urgency.${r.data.urgency}`)}
              </>
            }
          >
            <StateBadge state={r.data.state} />
          </CardHeader>
          <div role="tablist" aria-label={t('ref.title')} className="tabs" onKeyDown={onKey}>
            {TABS.map((x, i) => (
              <button
                key={x}
                ref={(el) => {
                  refs.current[i] = el;
                }}
                type="button"
                role="tab"
                id={`tab-${x}`}
                aria-selected={tab === x}
                aria-controls={`panel-${x}`}
                tabIndex={tab === x ? 0 : -1}
                onClick={() => setTab(x)}
                data-testid={`tab-${x}`}
              >
                {t(`ref.${x}`)}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="card">
            {tab === 'documents' && <Documents r={r.data} origin={origin} />}
            {tab === 'messages' && <Messages r={r.data} origin={origin} />}
            {tab === 'transport' && <TransportTab r={r.data} origin={origin} onDone={r.reload} />}
          </div>
        </>
      )}
    </section>
  );
}

const kb = (n: number) => (n < 1024 ? `${n} B` : n < 1_048_576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1_048_576).toFixed(1)} MB`);

function Documents({ r, origin }: { r: Detail; origin: boolean }) {
  const { t } = useApp();
  const list = useLoad(() => api.get<Doc[]>(`/referrals/${r.id}/documents`), [r.id]);
  const { run, busy, error } = useAction(list.reload);
  const [file, setFile] = useState<File | null>(null);
  const [description, setDescription] = useState('');
  const [done, setDone] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const download = (d: Doc) =>
    void run(async () => {
      const { blob, filename } = await api.download(`/referrals/${r.id}/documents/${d.documentId}`);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = filename;
      a.click();
      URL.revokeObjectURL(a.href);
    });
  const upload = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setDone(false);
    const q = `filename=${encodeURIComponent(file.name)}${description.trim() ? `&description=${encodeURIComponent(description.trim())}` : ''}`;
    void run(async () => {
      await api.upload(`/referrals/${r.id}/documents?${q}`, file);
      setFile(null);
      setDescription('');
      if (input.current) input.current.value = '';
      setDone(true);
    });
  };
  const rows = list.data ?? [];
  return (
    <div data-testid="documents">
      <ErrorBox error={list.error ?? error} />
      {!list.loading && !rows.length ? (
        <p className="muted empty">{t('ref.noDocuments')}</p>
      ) : (
        <div className="scroll">
          <table>
            <Head columns={[t('ref.file'), t('ref.type'), t('ref.size'), t('ref.uploaded'), t('ref.description'), t('actions')]} />
            <tbody>
              {rows.map((d) => (
                <tr key={d.documentId} data-testid={`document-${d.documentId}`}>
                  <td className="break">{d.filename}</td>
                  <td>{d.mediaType}</td>
                  <td>{kb(d.size)}</td>
                  <td>{fmtTime(d.uploadedAt)}</td>
                  <td>{d.description ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      disabled={busy}
                      aria-label={t('ref.downloadFile', { name: d.filename })}
                      onClick={() => download(d)}
                      data-testid="download"
                    >
                      {t('ref.download')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {origin && (
        <form onSubmit={upload} aria-labelledby="up-h">
          <h3 id="up-h">{t('ref.upload')}</h3>
          <div className="row">
            <label>
              {t('ref.pickFile')}
              <input ref={input} type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="file" />
            </label>
            <TextField label={t('ref.description')} value={description} onChange={setDescription} maxLength={500} />
            <button type="submit" disabled={busy || !file} data-testid="upload">
              {t('ref.upload')}
            </button>
          </div>
          {done && (
            <p role="status" className="ok">
              {t('ref.uploaded_ok')}
            </p>
          )}
        </form>
      )}
    </div>
  );
}

function Messages({ r, origin }: { r: Detail; origin: boolean }) {
  const { t, claims } = useApp();
  // the origin writes in one thread per target; a target has only its own
  const targets = [...new Map(r.offers.map((o) => [o.targetInstitutionId, o.targetName ?? short(o.targetInstitutionId)])).entries()];
  const [target, setTarget] = useState(targets[0]?.[0] ?? '');
  const q = origin && target ? `?target=${target}` : '';
  const list = useLoad(() => api.get<Message[]>(`/referrals/${r.id}/messages${q}`), [r.id, q]);
  useLive((e) => e.aggregateId === r.id && /^Message/.test(e.type), list.reload);
  const [text, setText] = useState('');
  const { run, busy, error } = useAction(list.reload);
  const rows = list.data ?? [];
  // a read receipt for what was sent to me, once it is on screen
  const lastToMe = [...rows].reverse().find((m) => m.toInstitutionId === claims.inst && !m.readAt);
  useEffect(() => {
    if (lastToMe)
      void api
        .post(`/referrals/${r.id}/messages/read`, { upToMessageId: lastToMe.messageId, ...(origin ? { targetInstitutionId: target } : {}) })
        .catch(() => undefined);
  }, [lastToMe?.messageId]);
  const send = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.post(`/referrals/${r.id}/messages`, { text: text.trim(), ...(origin ? { targetInstitutionId: target } : {}) });
      setText('');
    });
  };
  return (
    <div data-testid="messages">
      {origin && targets.length > 0 && (
        <Select
          label={t('ref.thread')}
          value={target}
          onChange={setTarget}
          choices={targets.map(([value, label]) => ({ value, label }))}
          data-testid="thread"
        />
      )}
      <ErrorBox error={list.error ?? error} />
      {!list.loading && !rows.length ? (
        <p className="muted empty">{t('ref.noMessages')}</p>
      ) : (
        <ol className="thread" aria-live="polite">
          {rows.map((m) => (
            <li key={m.messageId} className={m.fromInstitutionId === claims.inst ? 'mine' : 'theirs'} data-testid="message">
              <span className="small muted">
                {fmtTime(m.sentAt)}
                {m.kind === 'NEED_MORE_INFO' ? ` · ${t('ref.needMoreInfo')}` : ''}
                {m.readAt ? ` · ${t('ref.read')}` : ''}
              </span>
              <p>{m.text}</p>
            </li>
          ))}
        </ol>
      )}
      {(!origin || target) && (
        <form onSubmit={send} className="row">
          <label className="grow">
            {t('ref.write')}
            <textarea value={text} onChange={(e) => setText(e.target.value)} maxLength={4000} rows={2} required data-testid="message-text" />
          </label>
          <button type="submit" disabled={busy || !text.trim()} data-testid="send-message">
            {t('ref.send')}
          </button>
        </form>
      )}
    </div>
  );
}

/** datetime-local value (the browser's time zone) to an instant with a zone, as the API wants it. */
const instant = (local: string) => new Date(local).toISOString();

function TransportTab({ r, origin, onDone }: { r: Detail; origin: boolean; onDone: () => void }) {
  const { t } = useApp();
  const tr = r.transport;
  const [f, setF] = useState({ mode: 'AMBULANCE', pickupAt: '', arrival: '', escort: [] as string[], note: '' });
  const [done, setDone] = useState(false);
  const { run, busy, error } = useAction(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    void run(async () => {
      await api.post(`/referrals/${r.id}/transport`, {
        mode: f.mode,
        pickupAt: instant(f.pickupAt),
        ...(f.arrival ? { expectedArrivalAt: instant(f.arrival) } : {}),
        ...(f.escort.length ? { escort: f.escort } : {}),
        ...(f.note.trim() ? { note: f.note.trim() } : {}),
      });
      setDone(true);
    });
  };
  return (
    <div data-testid="transport">
      {tr ? (
        <dl className="summary">
          <dt>{t('ref.status')}</dt>
          <dd data-testid="transport-status" data-status={tr.status}>
            {t(`transportStatus.${tr.status}`)}
          </dd>
          <dt>{t('ref.mode')}</dt>
          <dd>{t(`transportMode.${tr.mode}`)}</dd>
          <dt>{t('ref.pickupAt')}</dt>
          <dd>{fmtTime(tr.pickupAt)}</dd>
          <dt>{t('ref.arrival')}</dt>
          <dd>{fmtTime(tr.expectedArrivalAt)}</dd>
          <dt>{t('ref.escort')}</dt>
          <dd>{tr.escort.map((x) => t(`escortNeed.${x}`)).join('、') || '—'}</dd>
          <dt>{t('ref.note')}</dt>
          <dd>{tr.note ?? '—'}</dd>
        </dl>
      ) : (
        <p className="muted">{t('ref.noTransport')}</p>
      )}
      {origin && r.state === 'ACCEPTED' && (
        <form onSubmit={submit} aria-labelledby="tr-h">
          <h3 id="tr-h">{t('ref.arrange')}</h3>
          <div className="row">
            <Select label={t('ref.mode')} value={f.mode} onChange={(mode) => setF({ ...f, mode })} choices={options(t, 'transportMode', TRANSPORT_MODES)} />
            <TextField
              label={t('ref.pickupAt')}
              type="datetime-local"
              value={f.pickupAt}
              onChange={(pickupAt) => setF({ ...f, pickupAt })}
              required
              data-testid="pickup-at"
            />
            <TextField label={t('ref.arrival')} type="datetime-local" value={f.arrival} onChange={(arrival) => setF({ ...f, arrival })} />
            <TextField label={t('ref.note')} value={f.note} onChange={(note) => setF({ ...f, note })} maxLength={500} />
          </div>
          <CheckGroup
            legend={t('ref.escort')}
            choices={options(t, 'escortNeed', ESCORT_NEEDS)}
            checked={f.escort}
            onToggle={(v) => setF({ ...f, escort: toggled(f.escort, v) })}
            testId={(v) => `escort-${v}`}
          />
          <button type="submit" disabled={busy || !f.pickupAt} data-testid="arrange-transport">
            {t('ref.arrange')}
          </button>
          {done && (
            <p role="status" className="ok">
              {t('ref.arranged')}
            </p>
          )}
        </form>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
