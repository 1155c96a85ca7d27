import { MAX_PARAMS, WriteBatch } from './write-batch';

describe('WriteBatch: a flush as one statement', () => {
  it('numbers each write’s parameters after the ones before it and reads the CTEs in the order written', () => {
    const b = new WriteBatch();
    void b.q('INSERT INTO a (x, y) VALUES ($1,$2)', ['x', 'y']);
    b.add('UPDATE b SET v=$3 WHERE id=$1 AND version=$2', ['id', 1, 'v'], 'id');
    void b.q('INSERT INTO c (z) VALUES ($1),($2)', [1, 2]);
    const [s, ...rest] = b.statements();
    expect(rest).toEqual([]);
    expect(s.sql).toBe(
      'WITH w0 AS (INSERT INTO a (x, y) VALUES ($1,$2) RETURNING 1), ' +
        'w1 AS (UPDATE b SET v=$5 WHERE id=$3 AND version=$4 RETURNING 1), ' +
        'w2 AS (INSERT INTO c (z) VALUES ($6),($7) RETURNING 1) ' +
        'SELECT (SELECT count(*) FROM w0)::int AS w0, ' +
        // the guarded UPDATE raises (BL409) when it matched no row; its id is the last parameter
        'CASE WHEN (SELECT count(*) FROM w1) = 0 THEN bedlink_version_conflict($8) ELSE 1 END AS w1, ' +
        '(SELECT count(*) FROM w2)::int AS w2',
    );
    expect(s.params).toEqual(['x', 'y', 'id', 1, 'v', 1, 2, 'id']);
  });

  it('$10 and above are renumbered whole, not digit by digit', () => {
    const b = new WriteBatch();
    void b.q('INSERT INTO a (x) VALUES ($1)', [0]);
    const ten = Array.from({ length: 11 }, (_, i) => i);
    void b.q(`INSERT INTO t VALUES (${ten.map((i) => `$${i + 1}`).join(',')})`, ten);
    expect(b.statements()[0].sql).toContain('VALUES ($2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING 1');
  });

  it('has no statement when there is nothing to write', () => {
    expect(new WriteBatch().statements()).toEqual([]);
  });

  it('splits a flush too big for one statement, in order, each guard in its own statement', () => {
    const b = new WriteBatch();
    const big = Array.from({ length: MAX_PARAMS - 10 }, () => 0);
    void b.q('INSERT INTO a VALUES ($1)', big);
    b.add('UPDATE b SET v=$1 WHERE id=$2', [1, 'b1'], 'b1');
    void b.q('INSERT INTO c VALUES ($1)', big);
    const statements = b.statements();
    // the guard's id rides with its own statement
    expect(statements.map((s) => s.params.length)).toEqual([MAX_PARAMS - 7, MAX_PARAMS - 10]);
    expect(statements[0].sql).toContain('bedlink_version_conflict($59993)');
    expect(statements[1].sql).not.toContain('bedlink_version_conflict');
  });

  it('refuses a write it could not wrap: one with its own RETURNING or a dollar-quoted body', () => {
    const b = new WriteBatch();
    expect(() => b.add('INSERT INTO a VALUES ($1) RETURNING id', [1])).toThrow(/plain INSERT or UPDATE/);
    expect(() => b.add('UPDATE a SET f = $$x$$', [])).toThrow(/plain INSERT or UPDATE/);
    expect(b.size).toBe(0);
  });
});
