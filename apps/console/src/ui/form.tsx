import { FormEvent, InputHTMLAttributes, ReactNode, SelectHTMLAttributes, useState } from 'react';
import { T } from '../i18n';

export interface Option {
  value: string;
  label: string;
}

/** Options from a list of codes, labelled from one i18n table: options(t, 'urgency', URGENCIES). */
export const options = (t: T, table: string, values: readonly string[]): Option[] => values.map((value) => ({ value, label: t(`${table}.${value}`) }));

/** The list with `v` added, or removed if it was there (checkbox groups). */
export const toggled = (list: string[], v: string): string[] => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

type Own<E, K extends string> = Omit<E, 'value' | 'onChange' | K>;

/** A labelled <select>; `blank` adds an empty first choice with that text. Other props go to the <select>. */
export function Select({
  label,
  value,
  onChange,
  choices,
  blank,
  ...rest
}: { label: ReactNode; value: string; onChange: (v: string) => void; choices: readonly Option[]; blank?: string } & Own<
  SelectHTMLAttributes<HTMLSelectElement>,
  'children'
>) {
  return (
    <label>
      {label}
      <select {...rest} value={value} onChange={(e) => onChange(e.target.value)}>
        {blank !== undefined && <option value="">{blank}</option>}
        {choices.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A labelled <input>; `hideLabel` keeps the label for screen readers only. Other props go to the <input>. */
export function TextField({
  label,
  hideLabel,
  value,
  onChange,
  ...rest
}: { label: string; hideLabel?: boolean; value: string; onChange: (v: string) => void } & Own<InputHTMLAttributes<HTMLInputElement>, never>) {
  return (
    <label className={hideLabel ? 'inline' : undefined}>
      {hideLabel ? <span className="sr-only">{label}</span> : label}
      <input {...rest} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** A fieldset of checkboxes, one per choice; `testId` names each box for the browser test. */
export function CheckGroup({
  legend,
  choices,
  checked,
  onToggle,
  testId,
}: {
  legend: string;
  choices: readonly Option[];
  checked: readonly string[];
  onToggle: (v: string) => void;
  testId?: (v: string) => string;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="checks">
        {choices.map((o) => (
          <label key={o.value} className="check">
            <input type="checkbox" checked={checked.includes(o.value)} onChange={() => onToggle(o.value)} data-testid={testId?.(o.value)} />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * "Enter an id, show it": one input and a submit button; the screen gets the trimmed id. `inLabel`
 * goes inside the label (a datalist), `children` after the button (more actions).
 */
export function LookupForm({
  label,
  button,
  initial,
  onShow,
  testId,
  list,
  inLabel,
  children,
}: {
  label: string;
  button: string;
  initial?: string;
  onShow: (id: string) => void;
  testId: string;
  list?: string;
  inLabel?: ReactNode;
  children?: ReactNode;
}) {
  const [id, setId] = useState(initial ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onShow(id.trim());
  };
  return (
    <form className="row" onSubmit={submit}>
      <label>
        {label}
        <input value={id} onChange={(e) => setId(e.target.value)} list={list} size={40} data-testid={testId} />
        {inLabel}
      </label>
      <button type="submit">{button}</button>
      {children}
    </form>
  );
}

/** A button that looks like a link (navigation, secondary actions). */
export function LinkButton({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <button type="button" className="link" onClick={onClick}>
      {children}
    </button>
  );
}
