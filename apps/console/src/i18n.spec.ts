import { describe, expect, it } from '@jest/globals';
import { ERROR_CODES } from '../../../libs/domain/src/shared/errors';
import { MESSAGE_TABLES, translator } from './i18n';

/** Every key path of a message table ('surge.col.urgency', ...). */
function keys(table: unknown, prefix = ''): string[] {
  if (typeof table !== 'object' || table === null) return [prefix];
  return Object.entries(table).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('console messages', () => {
  it('every API error code has a Chinese and an English message (the console shows codes translated)', () => {
    const zh = translator('zh-CN');
    const en = translator('en');
    const missing = ERROR_CODES.filter((c) => zh(`errors.${c}`) === `errors.${c}` || en(`errors.${c}`) === zh(`errors.${c}`));
    expect(missing).toEqual([]);
  });

  it('every Chinese message has its English one, and English has nothing Chinese lacks', () => {
    const zh = new Set(keys(MESSAGE_TABLES.zh));
    const en = new Set(keys(MESSAGE_TABLES.en));
    expect([...zh].filter((k) => !en.has(k))).toEqual([]);
    expect([...en].filter((k) => !zh.has(k))).toEqual([]);
  });

  it('placeholders match between the languages', () => {
    const zh = translator('zh-CN');
    const en = translator('en');
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differ = keys(MESSAGE_TABLES.zh).filter((k) => JSON.stringify(vars(zh(k))) !== JSON.stringify(vars(en(k))));
    expect(differ).toEqual([]);
  });
});
