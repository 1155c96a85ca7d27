import { useApp } from '../app';

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet never runs a cell as a formula. */
export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cell = (v: string | number | null | undefined) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n');
}

/** Downloads the table shown as CSV (UTF-8 with BOM, so Excel opens Chinese text correctly). */
export function CsvButton({ name, rows }: { name: string; rows: () => (string | number | null | undefined)[][] }) {
  const { t } = useApp();
  const download = () => {
    const blob = new Blob(['\ufeff' + toCsv(rows())], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${name}-${new Date().toISOString().slice(0, 10)}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <button type="button" className="secondary" onClick={download} data-testid={`csv-${name}`}>
      {t('csv')}
    </button>
  );
}
