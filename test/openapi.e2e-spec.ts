import SwaggerParser from '@apidevtools/swagger-parser';
import { Engine, startEngine } from './support/engine';

jest.setTimeout(90_000);

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Catch-all fallbacks (no endpoint of their own: they answer "not supported"), kept out of the document on purpose. */
// the FHIR catch-all (answers an OperationOutcome) and the console's client-side routes (static files)
// …and the request-logging middleware (nestjs-pino), which Nest mounts on every path
const FALLBACKS = ['/{*path}', '/console/*path', '/fhir/*path'];

function routeLayers(e: Engine): Layer[] {
  const express = e.api.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  return (express.router ?? express._router)!.stack;
}

/** Every route Express has registered for the Nest app, as "METHOD /openapi/{style}" (docs routes and the fallbacks aside). */
function registeredRoutes(e: Engine): string[] {
  const stack = routeLayers(e);
  const out = new Set<string>();
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const path of [layer.route.path].flat()) {
      if (/^\/docs/.test(path) || FALLBACKS.includes(path)) continue; // the document and UI themselves
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on && method !== '_all') out.add(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  }
  return [...out].sort();
}

describe('OpenAPI document', () => {
  let e: Engine;
  let doc: any;

  beforeAll(async () => {
    e = await startEngine({ worker: false });
    const res = await fetch(`${e.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    doc = await res.json();
  });
  afterAll(async () => {
    await e?.close();
  });

  it('is a valid OpenAPI document (swagger-parser validates schema and $refs)', async () => {
    const api: any = await SwaggerParser.validate(structuredClone(doc));
    expect(api.openapi).toMatch(/^3\./);
    expect(api.info.title).toContain('Bedlink');
  });

  it('names every route the running app registered, with its method', () => {
    const routes = registeredRoutes(e);
    // no wildcard route other than the known fallbacks
    const wildcards = new Set(
      routeLayers(e)
        .flatMap((l) => (l.route ? [l.route.path].flat() : []))
        .filter((p) => /[*]/.test(p)),
    );
    expect([...wildcards]).toEqual(FALLBACKS);
    // the app really registers the REST, FHIR and HL7 routes (a guard against an empty route list)
    expect(routes).toEqual(expect.arrayContaining(['POST /referrals', 'GET /fhir/Task/{id}', 'PATCH /fhir/Task/{id}', 'POST /hl7/v2', 'GET /health/ready']));
    expect(routes.length).toBeGreaterThan(35);
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    // GET /console serves the web console's static files: a page, not an API operation
    expect(routes.filter((r) => !documented.has(r) && r !== 'GET /console')).toEqual([]);
    // and documents nothing the app does not serve
    expect([...documented].filter((d) => !routes.includes(d))).toEqual([]);
  });

  it('documents a success response and the error responses of every operation; errors use the {code, message, details?} shape', () => {
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, o]) =>
      Object.entries(o).map(([m, op]) => ({ id: `${m.toUpperCase()} ${path}`, op })),
    );
    const missing: string[] = [];
    for (const { id, op } of ops) {
      const codes = Object.keys(op.responses ?? {});
      if (!codes.some((c) => /^[23]/.test(c))) missing.push(`${id}: no 2xx/3xx`);
      if (!codes.some((c) => /^[45]/.test(c))) missing.push(`${id}: no 4xx/5xx`);
      if (!op.summary) missing.push(`${id}: no summary`);
      // no credentials to refuse: probes, metadata, and the sign-in routes a browser reaches before it has a session
      const isPublic = [
        'GET /health',
        'GET /health/ready',
        'GET /fhir/metadata',
        'GET /metrics',
        'POST /auth/logout',
        'GET /auth/oidc',
        'GET /auth/oidc/login',
        'GET /auth/oidc/callback',
      ].includes(id);
      if (!isPublic && !codes.includes('401')) missing.push(`${id}: no 401`);
    }
    expect(missing).toEqual([]);
    const err = doc.components.schemas.ErrorBody;
    expect(err.required).toEqual(expect.arrayContaining(['code', 'message']));
    expect(err.required).not.toContain('details');
    expect(err.properties.code.enum).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'INVALID_TRANSITION', 'BED_ALREADY_RESERVED', 'UNAUTHENTICATED']));
    // a command route: 200, 202 and the conflict codes of the error map
    const accept = doc.paths['/referrals/{id}/offers/{offerId}/accept'].post;
    expect(Object.keys(accept.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '401', '403', '404', '409', '422', '503']));
    expect(accept.responses['409'].description).toContain('BED_ALREADY_RESERVED');
    expect(accept.responses['409'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorBody');
    expect(accept.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/AcceptOfferDto');
    // the bearer scheme is declared and used
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/referrals'].post.security).toEqual([{ bearer: [] }]);
  });

  it('serves the UI at /docs', async () => {
    const res = await fetch(`${e.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger');
    // the UI's script carries the same document
    const init = await fetch(`${e.baseUrl}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain('"openapi"');
  });

  it('serializes the document once, not per request: no guard or rate limit sees these routes', async () => {
    // a stranger's request for the document must not cost its serialization each time (/docs-yaml took about
    // 50 ms of CPU a request, /docs-json 6: twenty a second kept a core busy)
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${e.baseUrl}/docs-json`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await res.json()).toEqual(doc);
      }
      const ofTheDocument = stringify.mock.calls.filter(([v]) => !!v && typeof v === 'object' && 'openapi' in v && 'paths' in v);
      expect(ofTheDocument).toHaveLength(0);
    } finally {
      stringify.mockRestore();
    }
    // the YAML copy, which was made anew for every request and is documented nowhere, is not served
    expect((await fetch(`${e.baseUrl}/docs-yaml`)).status).toBe(404);
  });
});
