/**
 * CSV as the console writes (exports) and reads (the surge upload) it. Pure functions, no DOM, so the
 * unit tests run them as they are.
 */
export type Cell = string | number | null | undefined;

/**
 * RFC 4180 quoting (a cell with a comma, quote, CR or LF is quoted, quotes doubled). A cell that a
 * spreadsheet would run as a formula (first character = + - @, or a tab or CR that some strip
 * before looking) is prefixed with ' (OWASP's CSV injection advice), so it is shown, never evaluated.
 * Numbers are written as numbers: -3 stays -3.
 */
export function toCsv(rows: readonly (readonly Cell[])[]): string {
  const cell = (v: Cell) => {
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n');
}

/** The file a CSV button downloads: UTF-8 with a BOM, so Excel opens Chinese text correctly. */
export const csvFile = (rows: readonly (readonly Cell[])[]): string => '\ufeff' + toCsv(rows);

/**
 * Parses RFC 4180 text: quoted cells may hold commas, doubled quotes and line breaks; CRLF, LF or CR
 * end a row; a leading BOM is dropped; blank lines are skipped. Returns the rows with the line each
 * starts on (1-based), so an upload's errors can name the line a person sees in their editor.
 * Unbalanced quotes throw, naming the line where the open quote began.
 */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const src = text.replace(/^\ufeff/, '');
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cur = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 0;
  let dirty = false;
  const endRow = () => {
    cells.push(cur);
    if (dirty || cells.length > 1 || cells[0] !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cur = '';
    dirty = false;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++;
        cur += c;
      }
      continue;
    }
    if (c === '"' && cur === '') {
      quoted = true;
      dirty = true;
      quoteLine = line;
    } else if (c === ',') {
      cells.push(cur);
      cur = '';
      dirty = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cur += c;
  }
  if (quoted) throw new CsvSyntaxError(quoteLine);
  if (cur !== '' || cells.length || dirty) endRow();
  return rows;
}

export class CsvSyntaxError extends Error {
  constructor(readonly line: number) {
    super(`unclosed quote from line ${line}`);
  }
}
