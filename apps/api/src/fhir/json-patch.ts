import { applyPatch, JsonPatchError, Operation, validator } from 'fast-json-patch';
import { DomainError } from '@bedlink/domain';

/**
 * RFC 6902 JSON Patch (add, replace, remove, test) on a copy of a resource: enough for FHIR's
 * PATCH of Task.status / statusReason / input. move and copy are refused rather than guessed.
 *
 * fast-json-patch applies it, with its prototype guard on. On top of that, because a patch is
 * attacker-controlled (issue #12: `/__proto__/x` polluted Object.prototype of the API process),
 * every path segment named `__proto__`, `constructor` or `prototype` is refused, and every
 * segment before the last must be an own property: a patch never walks into inherited members.
 */
export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

const bad = (message: string) => new DomainError('VALIDATION_FAILED', message);
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const OPS = new Set(['add', 'replace', 'remove', 'test']);

function segments(path: string): string[] {
  if (!path.startsWith('/')) throw bad(`JSON Patch path "${path}" must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Refuses prototype segments and inherited intermediate members; the shape checks are fast-json-patch's. */
function guard(op: Operation, index: number, doc: unknown, existing: string): void {
  validator(op, index, doc as object, existing);
  const path = segments(op.path);
  const bannedIn = [op.path, ...('from' in op && typeof op.from === 'string' ? [op.from] : [])].find((p) => segments(p).some((s) => FORBIDDEN_SEGMENTS.has(s)));
  if (bannedIn !== undefined) throw bad(`JSON Patch path ${bannedIn} names a forbidden member (__proto__, constructor, prototype)`);
  let node: unknown = doc;
  // the last segment may be new (add); the ones before it must exist as own members
  for (const s of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, s)) throw bad(`JSON Patch path ${op.path} does not exist`);
    node = (node as Record<string, unknown>)[s];
  }
  const last = path[path.length - 1];
  if (node === null || typeof node !== 'object') throw bad(`JSON Patch path ${op.path} does not exist`);
  if (op.op !== 'add' && !(Array.isArray(node) && /^\d+$/.test(last)) && !Object.hasOwn(node, last)) throw bad(`JSON Patch path ${op.path} does not exist`);
}

export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops) || ops.length === 0) throw bad('a JSON Patch body is a non-empty array of operations');
  for (const o of ops as PatchOp[]) {
    if (!o || typeof o !== 'object' || typeof o.op !== 'string' || typeof o.path !== 'string') throw bad('each JSON Patch operation needs op and path');
    if (!OPS.has(o.op)) throw bad(`JSON Patch op "${o.op}" is not supported (add, replace, remove, test)`);
    if (o.path === '') throw bad('patching the whole resource is not supported; use PUT');
  }
  try {
    // validate with the guard, never mutate the caller's document, prototype modifications banned
    return applyPatch(doc, ops as Operation[], guard, false, true).newDocument;
  } catch (err) {
    if (err instanceof DomainError) throw err;
    if (err instanceof JsonPatchError && err.name === 'TEST_OPERATION_FAILED')
      throw new DomainError('VERSION_CONFLICT', `JSON Patch test failed at ${(err.operation as PatchOp | undefined)?.path}`);
    if (err instanceof JsonPatchError || err instanceof TypeError) throw bad(`invalid JSON Patch: ${err.message.split('\n')[0]}`);
    throw err;
  }
}
