import { DomainError } from '@bedlink/domain';

/**
 * RFC 6902 JSON Patch (add, replace, remove, test) on a copy of a resource: enough for FHIR's
 * PATCH of Task.status / statusReason / input. move and copy are refused rather than guessed.
 */
export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

const bad = (message: string) => new DomainError('VALIDATION_FAILED', message);

function tokens(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw bad(`JSON Patch path "${path}" must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops) || ops.length === 0) throw bad('a JSON Patch body is a non-empty array of operations');
  const root: { v: unknown } = { v: structuredClone(doc) };
  for (const raw of ops) {
    const o = raw as PatchOp;
    if (!o || typeof o !== 'object' || typeof o.op !== 'string' || typeof o.path !== 'string') throw bad('each JSON Patch operation needs op and path');
    const t = tokens(o.path);
    if (t.length === 0) throw bad('patching the whole resource is not supported; use PUT');
    let parent: any = root.v;
    for (const k of t.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(k)] : parent?.[k];
      if (parent === undefined || parent === null || typeof parent !== 'object') throw bad(`JSON Patch path ${o.path} does not exist`);
    }
    const last = t[t.length - 1];
    const isArr = Array.isArray(parent);
    const idx = last === '-' ? (isArr ? parent.length : -1) : Number(last);
    if (isArr && (!Number.isInteger(idx) || idx < 0 || idx > parent.length)) throw bad(`JSON Patch index ${last} is out of range`);
    switch (o.op) {
      case 'add':
        if (!('value' in o)) throw bad('add needs a value');
        if (isArr) parent.splice(idx, 0, o.value);
        else parent[last] = o.value;
        break;
      case 'replace':
        if (!('value' in o)) throw bad('replace needs a value');
        if (isArr ? idx >= parent.length : !(last in parent)) throw bad(`JSON Patch path ${o.path} does not exist`);
        if (isArr) parent[idx] = o.value;
        else parent[last] = o.value;
        break;
      case 'remove':
        if (isArr ? idx >= parent.length : !(last in parent)) throw bad(`JSON Patch path ${o.path} does not exist`);
        if (isArr) parent.splice(idx, 1);
        else delete parent[last];
        break;
      case 'test': {
        const cur = isArr ? parent[idx] : parent[last];
        if (JSON.stringify(cur) !== JSON.stringify(o.value)) throw new DomainError('VERSION_CONFLICT', `JSON Patch test failed at ${o.path}`);
        break;
      }
      default:
        throw bad(`JSON Patch op "${o.op}" is not supported (add, replace, remove, test)`);
    }
  }
  return root.v as T;
}
