import { ChangeEvent, FormEvent, useMemo, useState } from 'react';
import { BED_KINDS, SERVICES } from '../../../../libs/domain/src/beds/bed-kinds';
import { URGENCIES } from '../../../../libs/domain/src/referral/referral-machine';
import { api, ApiError } from '../api';
import { useApp } from '../app';
import { parseCsv, CsvSyntaxError } from '../csv-format';
import { useAction, useInstitutions, useLoad } from '../hooks';
import { T, translator } from '../i18n';
import { Bed } from '../model';
import { CheckGroup, CsvButton, ErrorBox, Head, LinkButton, options, Select, short, StateBadge, TextField, toggled } from '../ui';

/** One patient of the batch, as the API's DraftReferralDto wants it, plus what the screen shows. */
interface Item {
  key: string;
  patientId: string;
  /** The patient's name when looked up by resident ID, else the short id. */
  who: string;
  requestedKind: string;
  services: string[];
  urgency: string;
  clinicalSummary: string;
  careLevel: number | null;
  consent: boolean;
}

/** SubmitSurge's answer (dry run or confirmed): totals and one allocation per accepted item. */
interface Allocation {
  index: number;
  referralId: string | null;
  outcome: 'OFFERED' | 'ESCALATED';
  state: string | null;
  bedId: string | null;
  /** A home-programme place: the programme (bedId is then null). */
  programmeId?: string | null;
  institutionId: string | null;
  reason: string | null;
  greedyBedId: string | null;
  greedyProgrammeId?: string | null;
  greedyInstitutionId: string | null;
}
interface SurgeAnswer {
  dryRun: boolean;
  submitted: number;
  placed: number;
  escalated: number;
  greedyPlaced: number;
  freeBeds: number;
  errors: { index: number; code: string; message: string }[];
  allocations: Allocation[];
}

/** A problem with the batch before it reaches the API (a CSV line) or an item the API refused. */
interface Problem {
  where: string;
  code: string;
  detail?: string;
}

const MAX_BATCH = 500; // SurgeDto's ArrayMaxSize
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ASCII only: a header value must be Latin-1. The API records it with the lookup. */
const LOOKUP_REASON = 'surge batch (console)';

/** The CSV's columns: machine names, or their Chinese / English titles as the template writes them. */
const COLUMNS = ['residentId', 'patientId', 'requestedKind', 'services', 'urgency', 'clinicalSummary', 'consent', 'careLevel'] as const;
type Column = (typeof COLUMNS)[number];

/** A code from its code, or from its label in either language (a person may type 养老床位 or Care home). */
function codeOf(value: string, table: string, codes: readonly string[]): string | undefined {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  const zh = translator('zh-CN');
  const en = translator('en');
  return codes.find((c) => c.toLowerCase() === v || zh(`${table}.${c}`).toLowerCase() === v || en(`${table}.${c}`).toLowerCase() === v);
}
const YES = ['1', 'true', 'yes', 'y', '是', '同意', '已同意', '✓'];

/** A CSV row as an item still to look up (resident ID) or ready (patient id); or the problem with it. */
type Row = { line: number; residentId: string; item: Omit<Item, 'who' | 'key'> };
function readRow(t: T, line: number, cells: string[], col: Map<Column, number>): Row | Problem {
  const get = (c: Column) => (col.has(c) ? (cells[col.get(c)!] ?? '').trim() : '');
  const where = t('surge.line', { n: String(line) });
  const residentId = get('residentId').toUpperCase();
  const patientId = get('patientId');
  if (!residentId && !UUID.test(patientId)) return { where, code: 'surge.problem.NO_PATIENT' };
  const kind = codeOf(get('requestedKind'), 'kind', BED_KINDS);
  if (!kind) return { where, code: 'surge.problem.BAD_KIND', detail: get('requestedKind') };
  const urgency = codeOf(get('urgency') || 'ROUTINE', 'urgency', URGENCIES);
  if (!urgency) return { where, code: 'surge.problem.BAD_URGENCY', detail: get('urgency') };
  const services: string[] = [];
  for (const s of get('services')
    .split(/[;；|、\s]+/)
    .filter(Boolean)) {
    const code = codeOf(s, 'service', SERVICES);
    if (!code) return { where, code: 'surge.problem.BAD_SERVICE', detail: s };
    if (!services.includes(code)) services.push(code);
  }
  const clinicalSummary = get('clinicalSummary');
  if (!clinicalSummary || clinicalSummary.length > 4000) return { where, code: 'surge.problem.NO_SUMMARY' };
  const level = get('careLevel');
  const careLevel = level === '' ? null : Number(level);
  if (careLevel !== null && !(Number.isInteger(careLevel) && careLevel >= 0 && careLevel <= 6))
    return { where, code: 'surge.problem.BAD_CARE_LEVEL', detail: level };
  return {
    line,
    residentId,
    item: { patientId, requestedKind: kind, services, urgency, clinicalSummary, careLevel, consent: YES.includes(get('consent').toLowerCase()) },
  };
}

/**
 * POST /referrals/surge. A big batch may outlast the API's wait: it then answers 202 with a status
 * URL, which is followed here until the command completes (its refusal becomes an ApiError as usual).
 */
async function submitSurge(body: object): Promise<SurgeAnswer> {
  const first = await api.post<SurgeAnswer | { status: 'accepted'; statusUrl: string }>('/referrals/surge', body);
  if (!('statusUrl' in first)) return first;
  for (let waited = 0; waited < 600_000; waited += 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = await api.get<{ state: string; outcome?: { ok: boolean; result?: SurgeAnswer; error?: { code: string; message: string } } }>(first.statusUrl);
    if (s.state === 'completed' && s.outcome?.ok) return s.outcome.result!;
    if (s.state === 'completed' || s.state === 'failed')
      throw new ApiError(s.outcome?.error?.code ?? 'COMMAND_FAILED', s.outcome?.error?.message ?? s.state, 0);
  }
  throw new ApiError('COMMAND_FAILED', 'the surge did not complete within 10 minutes', 0);
}

let keys = 0;
const nextKey = () => `i${++keys}`;

/**
 * Surge (SCENARIOS 4: an epidemic, a hospital frees 200 beds in a day): the origin's staff upload a
 * CSV or add patients one by one, ask the engine for the plan (a dry run: who gets which bed, beside
 * what first-come greedy would place), then confirm. Confirming allocates again against the beds
 * free at that moment, and the answer shown is what the API did, referral by referral.
 */
export function Surge() {
  const { t, go } = useApp();
  const insts = useInstitutions();
  const [items, setItems] = useState<Item[]>([]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [plan, setPlan] = useState<{ answer: SurgeAnswer; of: Item[] } | null>(null);
  const [result, setResult] = useState<{ answer: SurgeAnswer; of: Item[] } | null>(null);
  const [reading, setReading] = useState(false);
  const planning = useAction();
  const confirming = useAction();

  const body = (list: Item[], dryRun: boolean) => ({
    dryRun,
    referrals: list.map((i) => ({
      patientId: i.patientId,
      requestedKind: i.requestedKind,
      services: i.services,
      urgency: i.urgency,
      clinicalSummary: i.clinicalSummary,
      consent: i.consent,
      ...(i.careLevel === null ? {} : { careLevel: i.careLevel }),
    })),
  });
  const change = (next: Item[]) => {
    setItems(next);
    // a plan is for the batch it was made for
    setPlan(null);
  };
  const add = (more: Item[]) => {
    const seen = new Set(items.map((i) => i.patientId));
    const fresh = more.filter((i) => !seen.has(i.patientId) && seen.add(i.patientId));
    change([...items, ...fresh].slice(0, MAX_BATCH));
    return more.length - fresh.length;
  };

  /** The upload: parse, check each line, look resident IDs up (audited, with the reason), add what is good. */
  const upload = async (ev: ChangeEvent<HTMLInputElement>) => {
    const file = ev.target.files?.[0];
    ev.target.value = '';
    if (!file) return;
    setReading(true);
    setResult(null);
    const found: Problem[] = [];
    const ready: Item[] = [];
    try {
      let rows: { line: number; cells: string[] }[];
      try {
        rows = parseCsv(await file.text());
      } catch (e) {
        if (e instanceof CsvSyntaxError) return setProblems([{ where: t('surge.line', { n: String(e.line) }), code: 'surge.problem.UNCLOSED_QUOTE' }]);
        throw e;
      }
      const [head, ...data] = rows;
      const col = new Map<Column, number>();
      head?.cells.forEach((h, i) => {
        const name = COLUMNS.find((c) =>
          [
            c.toLowerCase(),
            t(`surge.col.${c}`).toLowerCase(),
            translator('zh-CN')(`surge.col.${c}`),
            translator('en')(`surge.col.${c}`).toLowerCase(),
          ].includes(h.trim().toLowerCase()),
        );
        if (name) col.set(name, i);
      });
      for (const c of ['requestedKind', 'clinicalSummary'] as const)
        if (!col.has(c)) found.push({ where: t(`surge.col.${c}`), code: 'surge.problem.MISSING_COLUMN' });
      if (!col.has('residentId') && !col.has('patientId')) found.push({ where: t('surge.col.residentId'), code: 'surge.problem.MISSING_COLUMN' });
      if (found.length) return setProblems(found);
      if (data.length + items.length > MAX_BATCH) found.push({ where: file.name, code: 'surge.problem.TOO_MANY', detail: String(MAX_BATCH) });
      const parsed = data.slice(0, Math.max(0, MAX_BATCH - items.length)).map((r) => readRow(t, r.line, r.cells, col));
      // resident IDs are looked up a few at a time: each lookup is audited on the server
      const queue = parsed.filter((p): p is Row => 'item' in p);
      for (const p of parsed) if (!('item' in p)) found.push(p);
      const byLine = new Map<number, Item>();
      const worker = async () => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          const where = t('surge.line', { n: String(r.line) });
          if (!r.residentId) {
            byLine.set(r.line, { ...r.item, key: nextKey(), who: short(r.item.patientId) });
            continue;
          }
          try {
            const p = await api.getWith<{ id: string; name: string }>(`/patients?residentId=${encodeURIComponent(r.residentId)}`, {
              'x-access-reason': LOOKUP_REASON,
            });
            byLine.set(r.line, { ...r.item, patientId: p.id, key: nextKey(), who: p.name });
          } catch (e) {
            found.push({ where, code: `errors.${e instanceof ApiError ? e.code : 'UNKNOWN'}`, detail: e instanceof Error ? e.message : undefined });
          }
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      for (const [, i] of [...byLine].sort((a, b) => a[0] - b[0])) ready.push(i);
      const twice = add(ready);
      if (twice) found.push({ where: file.name, code: 'surge.problem.DUPLICATE', detail: String(twice) });
      setProblems(found);
    } finally {
      setReading(false);
    }
  };

  const doPlan = () =>
    planning.run(async () => {
      setResult(null);
      const answer = await submitSurge(body(items, true));
      setPlan({ answer, of: items });
      setProblems(answer.errors.map((e) => itemProblem(t, items, e)));
    });
  const confirm = () =>
    confirming.run(async () => {
      const of = plan?.of ?? items;
      const answer = await submitSurge(body(of, false));
      setResult({ answer, of });
      setProblems(answer.errors.map((e) => itemProblem(t, of, e)));
      setPlan(null);
      setItems([]);
    });

  return (
    <section aria-labelledby="surge-h">
      <h2 id="surge-h">{t('surge.title')}</h2>
      <p className="muted">{t('surge.intro')}</p>
      <div className="two">
        <fieldset>
          <legend>{t('surge.upload')}</legend>
          <label>
            {t('surge.file')}
            <input type="file" accept=".csv,text/csv" onChange={(e) => void upload(e)} disabled={reading} data-testid="surge-file" />
          </label>
          <p className="small muted">{t('surge.fileHelp')}</p>
          <CsvButton name="surge-template" label={t('surge.template')} rows={() => [COLUMNS.map((c) => t(`surge.col.${c}`))]} />
          {reading && (
            <p role="status" className="muted">
              {t('surge.reading')}
            </p>
          )}
        </fieldset>
        <AddPatient onAdd={(i) => add([i])} />
      </div>

      <ProblemList problems={problems} />

      <div className="row between">
        <h3 id="batch-h">{t('surge.batch', { n: String(items.length) })}</h3>
        {items.length > 0 && (
          <CsvButton
            name="surge-batch"
            rows={() => [
              [t('surge.patient'), t('outbox.requestedKind'), t('outbox.services'), t('outbox.urgency'), t('outbox.summary'), t('surge.consent')],
              ...items.map((i) => [
                i.who,
                t(`kind.${i.requestedKind}`),
                i.services.map((s) => t(`service.${s}`)).join(t('cols.sep')),
                t(`urgency.${i.urgency}`),
                i.clinicalSummary,
                i.consent ? t('surge.yes') : t('surge.no'),
              ]),
            ]}
          />
        )}
      </div>
      {items.length === 0 ? (
        <p className="muted empty">{t('surge.emptyBatch')}</p>
      ) : (
        <div className="scroll">
          <table data-testid="surge-batch" aria-labelledby="batch-h">
            <Head
              columns={['#', t('surge.patient'), t('outbox.requestedKind'), t('outbox.services'), t('outbox.urgency'), t('surge.consent'), t('surge.actions')]}
            />
            <tbody>
              {items.map((i, n) => (
                <tr key={i.key} data-testid={`surge-item-${n}`}>
                  <td>{n + 1}</td>
                  <th scope="row">{i.who}</th>
                  <td>{t(`kind.${i.requestedKind}`)}</td>
                  <td>{i.services.map((s) => t(`service.${s}`)).join(t('cols.sep')) || '—'}</td>
                  <td>{t(`urgency.${i.urgency}`)}</td>
                  <td>{i.consent ? t('surge.yes') : t('surge.no')}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => change(items.filter((x) => x !== i))}
                      aria-label={`${t('surge.remove')} ${i.who}`}
                    >
                      {t('surge.remove')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row">
        <button type="button" onClick={() => void doPlan()} disabled={!items.length || planning.busy || reading} data-testid="surge-plan">
          {t('surge.plan')}
        </button>
        <button type="button" className="secondary" onClick={() => change([])} disabled={!items.length}>
          {t('surge.clear')}
        </button>
      </div>
      <ErrorBox error={planning.error} />

      {plan && (
        <section className="card" aria-labelledby="plan-h" data-testid="surge-plan-view">
          <h3 id="plan-h">{t('surge.planTitle')}</h3>
          <Outcome answer={plan.answer} of={plan.of} insts={insts.data ?? []} />
          <p className="small muted">{t('surge.confirmNote')}</p>
          <div className="row">
            <button type="button" onClick={() => void confirm()} disabled={confirming.busy || !plan.answer.submitted} data-testid="surge-confirm">
              {t('surge.confirm', { n: String(plan.answer.submitted) })}
            </button>
          </div>
          <ErrorBox error={confirming.error} />
        </section>
      )}
      {result && (
        <section className="card" aria-labelledby="result-h" data-testid="surge-result">
          <h3 id="result-h">{t('surge.resultTitle')}</h3>
          <p role="status">{t('surge.done', { placed: String(result.answer.placed), escalated: String(result.answer.escalated) })}</p>
          <Outcome answer={result.answer} of={result.of} insts={insts.data ?? []} />
          <LinkButton onClick={() => go('outbox')}>{t('surge.toOutbox')}</LinkButton>
        </section>
      )}
    </section>
  );
}

function itemProblem(t: T, of: Item[], e: { index: number; code: string; message: string }): Problem {
  return { where: `${t('surge.item', { n: String(e.index + 1) })} ${of[e.index]?.who ?? ''}`.trim(), code: `errors.${e.code}`, detail: e.message };
}

/** What is wrong, each with its code translated (the code itself stays visible, the detail as a tooltip). */
function ProblemList({ problems }: { problems: Problem[] }) {
  const { t } = useApp();
  if (!problems.length) return null;
  return (
    <div role="alert" className="error" data-testid="surge-problems">
      <p>{t('surge.problems', { n: String(problems.length) })}</p>
      <ul>
        {problems.map((p, i) => {
          const msg = t(p.code);
          const code = p.code.replace(/^(errors|surge\.problem)\./, '');
          return (
            <li key={i} data-code={code} title={p.detail}>
              {p.where}: {msg === p.code ? code : msg}
              {p.detail && p.code.startsWith('surge.') ? ` (${p.detail})` : ''} <small>({code})</small>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The engine's allocation beside first-come greedy's: totals, then patient by patient. */
function Outcome({ answer, of, insts }: { answer: SurgeAnswer; of: Item[]; insts: { id: string; name: string }[] }) {
  const { t } = useApp();
  const institutionIds = useMemo(
    () => [...new Set(answer.allocations.flatMap((a) => [a.institutionId, a.greedyInstitutionId]).filter((x): x is string => !!x))].sort(),
    [answer],
  );
  // bed labels (ward / label) of the institutions named, for people rather than ids
  const beds = useLoad(async () => {
    const lists = await Promise.all(institutionIds.map((id) => api.get<Bed[]>(`/beds?institutionId=${id}&limit=1000`).catch(() => [] as Bed[])));
    return new Map(lists.flat().map((b) => [b.id, `${b.ward} / ${b.label}`]));
  }, [institutionIds.join()]);
  const name = (id: string | null) => (id ? (insts.find((i) => i.id === id)?.name ?? short(id)) : '');
  // a bed by its label; a home-programme place as the institution's home programme
  const place = (inst: string | null, bed: string | null, programme?: string | null) =>
    bed ? `${name(inst)} · ${beds.data?.get(bed) ?? short(bed)}` : programme ? `${name(inst)} · ${t('nav.programmes')}` : '—';
  const sameAsGreedy = (a: Allocation) =>
    a.institutionId === a.greedyInstitutionId && (a.bedId ?? a.programmeId ?? null) === (a.greedyBedId ?? a.greedyProgrammeId ?? null);
  const rows = answer.allocations.map((a) => ({ a, item: of[a.index] }));
  const live = !answer.dryRun;
  return (
    <>
      <ul className="tiles" aria-label={t('surge.totals')}>
        <li className="tile">
          <span className="tile-value" data-testid="surge-placed">
            {answer.placed}
          </span>
          <span className="tile-label">{t('surge.placed')}</span>
        </li>
        <li className="tile">
          <span className="tile-value" data-testid="surge-greedy">
            {answer.greedyPlaced}
          </span>
          <span className="tile-label">{t('surge.greedyPlaced')}</span>
        </li>
        <li className="tile">
          <span className="tile-value" data-testid="surge-escalated">
            {answer.escalated}
          </span>
          <span className="tile-label">{t('surge.escalated')}</span>
        </li>
        <li className="tile">
          <span className="tile-value">{answer.freeBeds}</span>
          <span className="tile-label">{t('surge.freeBeds')}</span>
        </li>
      </ul>
      <p className="small">{answer.placed > answer.greedyPlaced ? t('surge.better', { n: String(answer.placed - answer.greedyPlaced) }) : t('surge.same')}</p>
      <div className="row between">
        <span />
        <CsvButton
          name={live ? 'surge-result' : 'surge-plan'}
          rows={() => [
            ['#', t('surge.patient'), t('outbox.urgency'), t('surge.engine'), t('surge.greedy'), t('surge.outcome'), t('surge.reason'), t('surge.referral')],
            ...rows.map(({ a, item }) => [
              a.index + 1,
              item?.who ?? '',
              item ? t(`urgency.${item.urgency}`) : '',
              place(a.institutionId, a.bedId, a.programmeId),
              place(a.greedyInstitutionId, a.greedyBedId, a.greedyProgrammeId),
              t(`surge.outcomes.${a.outcome}`),
              a.reason ?? '',
              a.referralId ?? '',
            ]),
          ]}
        />
      </div>
      <div className="scroll">
        {/* focusable: on a phone the table scrolls inside itself, and keyboard users must be able to scroll it */}
        <table data-testid="surge-allocations" tabIndex={0} aria-label={answer.dryRun ? t('surge.planTitle') : t('surge.resultTitle')}>
          <Head columns={['#', t('surge.patient'), t('outbox.urgency'), t('surge.engine'), t('surge.greedy'), live ? t('state') : t('surge.outcome')]} />
          <tbody>
            {rows.map(({ a, item }) => (
              <tr
                key={a.index}
                data-testid={`surge-row-${a.index}`}
                data-bed={a.bedId ?? ''}
                data-referral={a.referralId ?? ''}
                className={sameAsGreedy(a) ? undefined : 'differs'}
              >
                <td>{a.index + 1}</td>
                <th scope="row">{item?.who}</th>
                <td>{item ? t(`urgency.${item.urgency}`) : ''}</td>
                <td>{place(a.institutionId, a.bedId, a.programmeId)}</td>
                <td>{place(a.greedyInstitutionId, a.greedyBedId, a.greedyProgrammeId)}</td>
                <td title={a.reason ?? undefined}>{live && a.state ? <StateBadge state={a.state} /> : t(`surge.outcomes.${a.outcome}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

const NEW = { patient: '', requestedKind: 'CARE_HOME', services: [] as string[], urgency: 'URGENT', clinicalSummary: '', careLevel: '', consent: false };

/** "Pick a patient": by resident ID (looked up, audited) or by patient number, with what the referral needs. */
function AddPatient({ onAdd }: { onAdd: (i: Item) => number }) {
  const { t } = useApp();
  const [f, setF] = useState(NEW);
  const [note, setNote] = useState('');
  const { run, busy, error } = useAction();
  const level = f.careLevel === '' ? null : Number(f.careLevel);
  const valid = f.patient.trim() !== '' && f.clinicalSummary.trim() !== '' && (level === null || (Number.isInteger(level) && level >= 0 && level <= 6));
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (!valid) return;
    void run(async () => {
      const key = f.patient.trim();
      let patientId = key;
      let who = short(key);
      if (!UUID.test(key)) {
        const p = await api.getWith<{ id: string; name: string }>(`/patients?residentId=${encodeURIComponent(key.toUpperCase())}`, {
          'x-access-reason': LOOKUP_REASON,
        });
        patientId = p.id;
        who = p.name;
      }
      const twice = onAdd({
        key: nextKey(),
        patientId,
        who,
        requestedKind: f.requestedKind,
        services: f.services,
        urgency: f.urgency,
        clinicalSummary: f.clinicalSummary.trim(),
        careLevel: level,
        consent: f.consent,
      });
      setNote(twice ? t('surge.already') : t('surge.added', { who }));
      setF({ ...NEW, requestedKind: f.requestedKind, urgency: f.urgency, services: f.services });
    });
  };
  return (
    <form onSubmit={submit} aria-labelledby="add-h">
      <fieldset>
        <legend id="add-h">{t('surge.add')}</legend>
        <TextField
          label={t('surge.patientKey')}
          value={f.patient}
          onChange={(patient) => setF({ ...f, patient })}
          maxLength={40}
          autoComplete="off"
          data-testid="surge-patient"
        />
        <Select
          label={t('outbox.requestedKind')}
          value={f.requestedKind}
          onChange={(requestedKind) => setF({ ...f, requestedKind })}
          choices={options(t, 'kind', BED_KINDS)}
          data-testid="surge-kind"
        />
        <Select
          label={t('outbox.urgency')}
          value={f.urgency}
          onChange={(urgency) => setF({ ...f, urgency })}
          choices={options(t, 'urgency', URGENCIES)}
          data-testid="surge-urgency"
        />
        <CheckGroup
          legend={t('outbox.services')}
          choices={options(t, 'service', SERVICES)}
          checked={f.services}
          onToggle={(s) => setF({ ...f, services: toggled(f.services, s) })}
          testId={(s) => `surge-service-${s}`}
        />
        <TextField
          label={t('outbox.summary')}
          value={f.clinicalSummary}
          onChange={(clinicalSummary) => setF({ ...f, clinicalSummary })}
          maxLength={4000}
          data-testid="surge-summary"
        />
        <TextField label={t('outbox.careLevel')} value={f.careLevel} onChange={(careLevel) => setF({ ...f, careLevel })} inputMode="numeric" maxLength={1} />
        <label className="check">
          <input type="checkbox" checked={f.consent} onChange={(e) => setF({ ...f, consent: e.target.checked })} data-testid="surge-consent" />
          {t('outbox.consent')}
        </label>
        <button type="submit" disabled={busy || !valid} data-testid="surge-add">
          {t('surge.addButton')}
        </button>
        <p role="status" className="small muted">
          {note}
        </p>
        <ErrorBox error={error} />
      </fieldset>
    </form>
  );
}
