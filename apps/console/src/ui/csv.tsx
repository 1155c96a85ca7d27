import { useApp } from '../app';
import { Cell, csvFile } from '../csv-format';

export { toCsv } from '../csv-format';

/**
 * Downloads the table shown as CSV (UTF-8 with BOM; quoting and the formula guard in csv-format.ts).
 * `rows` is called on click, so the file holds what is on screen at that moment.
 */
export function CsvButton({ name, rows, label }: { name: string; rows: () => Cell[][]; label?: string }) {
  const { t } = useApp();
  const download = () => {
    const blob = new Blob([csvFile(rows())], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${name}-${new Date().toISOString().slice(0, 10)}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <button type="button" className="secondary" onClick={download} data-testid={`csv-${name}`}>
      {label ?? t('csv')}
    </button>
  );
}
