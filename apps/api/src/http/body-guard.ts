import type { NextFunction, Request, Response } from 'express';

const MAX_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Runs right after the JSON body parser. Deeply nested bodies would exhaust the stack in
 * class-transformer (a 500), and `__proto__`/`constructor` keys slip past the whitelist and can
 * poison prototypes: both are refused here, iteratively, before any recursive code sees them.
 */
export function bodyGuard(req: Request, res: Response, next: NextFunction): void {
  const body = req.body as unknown;
  // a raw upload (a document) is bytes, not JSON: nothing to walk
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return next();
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) return refuse(res, `the request body is nested deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(node)) {
      for (const v of node) if (v !== null && typeof v === 'object') stack.push([v, depth + 1]);
      continue;
    }
    for (const k of Object.keys(node as object)) {
      if (FORBIDDEN_KEYS.has(k)) return refuse(res, `property ${k} is not allowed`);
      const v = (node as Record<string, unknown>)[k];
      if (v !== null && typeof v === 'object') stack.push([v, depth + 1]);
    }
  }
  // A JSON array is never a valid command body (the DTOs describe objects), except a JSON Patch
  // document, which is an array by definition: PATCH on the FHIR facade.
  const jsonPatch = req.method === 'PATCH' && req.path.startsWith('/fhir/');
  if (Array.isArray(body) && !jsonPatch) return refuse(res, 'the request body must be a JSON object');
  next();
}

function refuse(res: Response, message: string): void {
  res.status(400).json({ code: 'VALIDATION_FAILED', message });
}
