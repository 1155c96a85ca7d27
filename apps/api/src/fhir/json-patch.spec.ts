import { applyJsonPatch } from './json-patch';

describe('JSON Patch (RFC 6902 subset)', () => {
  const task = { resourceType: 'Task', status: 'received', input: [{ valueReference: { reference: 'Location/a' } }], 'a/b': 1 };

  it('replaces, adds (including array append with -), removes, and leaves the original untouched', () => {
    const out = applyJsonPatch(task, [
      { op: 'test', path: '/status', value: 'received' },
      { op: 'replace', path: '/status', value: 'accepted' },
      { op: 'add', path: '/input/-', value: { valueReference: { reference: 'Location/b' } } },
      { op: 'add', path: '/statusReason', value: { text: 'ok' } },
      { op: 'remove', path: '/a~1b' },
    ]);
    expect(out).toEqual({
      resourceType: 'Task',
      status: 'accepted',
      statusReason: { text: 'ok' },
      input: [{ valueReference: { reference: 'Location/a' } }, { valueReference: { reference: 'Location/b' } }],
    });
    expect(task.status).toBe('received');
  });

  it('a failed test is a version conflict', () => {
    expect(() =>
      applyJsonPatch(task, [
        { op: 'test', path: '/status', value: 'requested' },
        { op: 'replace', path: '/status', value: 'accepted' },
      ]),
    ).toThrow(expect.objectContaining({ code: 'VERSION_CONFLICT' }));
  });

  it.each([
    ['not an array', { op: 'replace', path: '/status', value: 'x' }],
    ['an empty array', []],
    ['replace of a missing member', [{ op: 'replace', path: '/owner', value: 'x' }]],
    ['a path into nothing', [{ op: 'add', path: '/owner/reference', value: 'x' }]],
    ['move', [{ op: 'move', from: '/status', path: '/x' }]],
    ['the whole document', [{ op: 'replace', path: '', value: {} }]],
    ['an index out of range', [{ op: 'add', path: '/input/5', value: {} }]],
    ['a replace at an index out of range', [{ op: 'replace', path: '/input/5', value: {} }]],
    ['a non-numeric array index', [{ op: 'add', path: '/input/x', value: {} }]],
    ['an unknown op', [{ op: 'merge', path: '/status', value: 'x' }]],
    ['a path without a leading slash', [{ op: 'add', path: 'status', value: 'x' }]],
    ['an add without a value', [{ op: 'add', path: '/status' }]],
    // prototype pollution (issue #12): forbidden segments anywhere in the path, and inherited members
    ['__proto__ as the first segment', [{ op: 'add', path: '/__proto__/polluted', value: true }]],
    ['__proto__ as the last segment', [{ op: 'add', path: '/__proto__', value: { polluted: true } }]],
    ['__proto__ deeper down', [{ op: 'add', path: '/input/0/__proto__/polluted', value: true }]],
    ['constructor/prototype', [{ op: 'add', path: '/constructor/prototype/polluted', value: true }]],
    ['constructor alone', [{ op: 'add', path: '/constructor', value: 1 }]],
    ['prototype alone', [{ op: 'replace', path: '/prototype', value: 1 }]],
    ['a test of __proto__', [{ op: 'test', path: '/__proto__', value: {} }]],
    ['an inherited member as an intermediate segment', [{ op: 'add', path: '/toString/x', value: 1 }]],
    ['a replace of an inherited member', [{ op: 'replace', path: '/hasOwnProperty', value: 1 }]],
    ['a remove of an inherited member', [{ op: 'remove', path: '/valueOf' }]],
  ])('refuses %s with VALIDATION_FAILED', (_, ops) => {
    expect(() => applyJsonPatch(task, ops)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });

  it('patches arrays by index and removes by index', () => {
    const out = applyJsonPatch(task, [
      { op: 'replace', path: '/input/0', value: { valueReference: { reference: 'Location/c' } } },
      { op: 'add', path: '/input/0', value: { x: 1 } },
      { op: 'remove', path: '/input/1' },
    ]);
    expect(out.input).toEqual([{ x: 1 }]);
    expect(task.input).toHaveLength(1);
  });
});
