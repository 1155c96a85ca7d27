import { describe, expect, it } from '@jest/globals';
import { csvFile, CsvSyntaxError, parseCsv, toCsv } from './csv-format';

describe('console CSV', () => {
  it('quotes commas, quotes and line breaks (RFC 4180) and keeps Chinese text as it is', () => {
    expect(toCsv([['王, 阿姨', 'say "hi"', 'line1\nline2', 'cr\r\nlf', '江宁路']])).toBe('"王, 阿姨","say ""hi""","line1\nline2","cr\r\nlf",江宁路');
    expect(
      toCsv([
        ['a', null, undefined, 3],
        ['b', '', 0, -2.5],
      ]),
    ).toBe('a,,,3\r\nb,,0,-2.5');
  });

  it('never hands a spreadsheet a formula: = + - @ (and tab, CR) first get a leading quote; numbers stay numbers', () => {
    const out = toCsv([['=HYPERLINK("http://x","y")', '+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', 'a=b', -3]]);
    expect(out).toBe(`"'=HYPERLINK(""http://x"",""y"")",'+1,'-2+3,'@SUM(A1),'\t=1,"'\r=1",a=b,-3`);
    // read back, no cell starts with a formula character
    const back = parseCsv(out)[0].cells;
    expect(back.slice(0, 6).every((c) => c.startsWith("'"))).toBe(true);
    expect(back.slice(6)).toEqual(['a=b', '-3']);
  });

  it('the download starts with a BOM', () => {
    expect(csvFile([['床位']]).charCodeAt(0)).toBe(0xfeff);
  });

  it('reads back what it writes, whatever the cell holds', () => {
    const rows = [
      ['name', 'note'],
      ['王, 阿姨', 'a "quoted"\nsecond line'],
      ['', 'empty first'],
      ['last', ''],
    ];
    expect(parseCsv(csvFile(rows)).map((r) => r.cells)).toEqual(rows);
  });

  it('names the line each row starts on; LF, CRLF and CR all end rows; blank lines are skipped', () => {
    const rows = parseCsv('a,b\n\n"x\ny",z\r\nc,d\re,f');
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 3, cells: ['x\ny', 'z'] },
      { line: 5, cells: ['c', 'd'] },
      { line: 6, cells: ['e', 'f'] },
    ]);
    expect(parseCsv('only\n')).toEqual([{ line: 1, cells: ['only'] }]);
    expect(parseCsv('')).toEqual([]);
  });

  it('an unclosed quote is an error that names where it began', () => {
    expect(() => parseCsv('a,b\nc,"open\nmore')).toThrow(CsvSyntaxError);
    try {
      parseCsv('a,b\nc,"open\nmore');
    } catch (e) {
      expect((e as CsvSyntaxError).line).toBe(2);
    }
  });
});
