import { insertRows, table, updateParams, updateSql, upsertOn } from './table';
import { ADAPTERS, WRITTEN_TABLES } from '.';

describe('column lists', () => {
  const T = table('things', ['id', 'a', 'b'], ['b']);

  it('builds one INSERT for all rows, parameters in column order', async () => {
    const sent: [string, unknown[]][] = [];
    await insertRows(
      async (sql, params) => (sent.push([sql, params ?? []]), []),
      T,
      [
        { id: 1, b: 3, a: 2 },
        { a: 5, id: 4, b: 6 },
      ],
      upsertOn('id', ['b']),
    );
    expect(sent).toEqual([['INSERT INTO things (id, a, b) VALUES ($1,$2,$3),($4,$5,$6) ON CONFLICT (id) DO UPDATE SET b=EXCLUDED.b', [1, 2, 3, 4, 5, 6]]]);
  });

  it('sends nothing when there is nothing to write', async () => {
    const q = jest.fn();
    await insertRows(q, T, []);
    expect(q).not.toHaveBeenCalled();
  });

  it('guards an UPDATE by id and version, parameters in column order', () => {
    expect(updateSql(T)).toBe('UPDATE things SET b=$3, version=version+1 WHERE id=$1 AND version=$2');
    expect(updateParams(T, 'x', 7, { b: 9 })).toEqual(['x', 7, 9]);
  });

  it('every adapter names its root table first and writes no column twice', () => {
    for (const [type, a] of Object.entries(ADAPTERS)) {
      expect([type, a.tables[0]]).toEqual([type, a.table]);
      for (const t of a.tables) {
        expect(new Set(t.columns).size).toBe(t.columns.length);
        expect(new Set(t.update).size).toBe(t.update.length);
      }
    }
    expect(new Set(WRITTEN_TABLES.map((t) => t.name)).size).toBe(WRITTEN_TABLES.length);
  });
});
