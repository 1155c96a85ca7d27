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
    expect(out).toEqual({ resourceType: 'Task', status: 'accepted', statusReason: { text: 'ok' }, input: [{ valueReference: { reference: 'Location/a' } }, { valueReference: { reference: 'Location/b' } }] });
    expect(task.status).toBe('received');
  });

  it('a failed test is a version conflict', () => {
    expect(() => applyJsonPatch(task, [{ op: 'test', path: '/status', value: 'requested' }, { op: 'replace', path: '/status', value: 'accepted' }])).toThrow(expect.objectContaining({ code: 'VERSION_CONFLICT' }));
  });

  it.each([
    ['not an array', { op: 'replace', path: '/status', value: 'x' }],
    ['an empty array', []],
    ['replace of a missing member', [{ op: 'replace', path: '/owner', value: 'x' }]],
    ['a path into nothing', [{ op: 'add', path: '/owner/reference', value: 'x' }]],
    ['move', [{ op: 'move', from: '/status', path: '/x' }]],
    ['the whole document', [{ op: 'replace', path: '', value: {} }]],
    ['an index out of range', [{ op: 'add', path: '/input/5', value: {} }]],
  ])('refuses %s with VALIDATION_FAILED', (_, ops) => {
    expect(() => applyJsonPatch(task, ops)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
