import { isoDay, isoInstant } from './support/dates';
import { Engine, startEngine } from './support/engine';
import { fuzzTargets, smallDistrict } from './support/fixture';
import { deep, mulberry32, settledWriteModelSnapshot, writeModelSnapshot } from './support/fuzz';

jest.setTimeout(300_000);

type FieldType = 'uuid' | 'string' | 'int' | 'bool' | 'enum' | 'array' | 'object' | 'date';
interface Field {
  name: string;
  type: FieldType;
  required: boolean;
  valid: unknown;
}
interface Endpoint {
  name: string;
  path: (id: string, id2: string) => string;
  hasId: number;
  fields: Field[];
  who: 'planner' | 'cc1c' | 'dc';
}

const INJECTIONS = [
  `' OR '1'='1`,
  `'; DROP TABLE referrals; --`,
  `" OR ""="`,
  `1; SELECT pg_sleep(10)`,
  `$where: 1`,
  `{"$gt": ""}`,
  `<script>alert(1)</script>`,
  `../../../../etc/passwd`,
  `%00`,
  `\u0000`,
  `${'${jndi:ldap://x}'}`,
  `{{7*7}}`,
  `__proto__`,
  `constructor`,
];
const UNICODE = ['\uFFFF', '\uD800', '𝕏𝕏𝕏', 'Ａ'.repeat(50), '\u202Eevil', 'ЁЖЙ', '😀'.repeat(30), '\u0007\u0008', 'é'.normalize('NFD'), '\t\n\r'];
const BAD_IDS = [
  'not-a-uuid',
  '1',
  '00000000-0000-0000-0000-00000000000g',
  `' OR 1=1--`,
  '%27%20OR%201%3D1',
  'a'.repeat(300),
  encodeURIComponent('😀'),
  '..%2F..%2Fetc',
  'null',
  'undefined',
  '-1',
  '0x10',
  'NaN',
];

describe('Security: fuzzing every write endpoint with malformed requests', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let ids: { referral: string; offer: string; bed: string; apiKey: string; patient: string };

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
    ids = await fuzzTargets(d);
  });
  afterAll(async () => {
    await e?.close();
  });

  const snapshot = () => writeModelSnapshot(e.ds);

  it('≥ 2,000 malformed requests: no 5xx, every response has a code, and the database is unchanged', async () => {
    const before = await settledWriteModelSnapshot(e.ds);
    const U = (name: string, required = true, valid: unknown = '7c9e6679-7425-40de-944b-e07fc1f90ae7'): Field => ({ name, type: 'uuid', required, valid });
    const S = (name: string, required = true, valid: unknown = 'text'): Field => ({ name, type: 'string', required, valid });
    const reason = S('reason');
    const endpoints: Endpoint[] = [
      {
        name: 'institutions',
        path: () => '/institutions',
        hasId: 0,
        who: 'dc',
        fields: [
          U('id', false),
          S('code', true, 'FZ-1'),
          S('name'),
          { name: 'type', type: 'enum', required: true, valid: 'COMMUNITY_HEALTH_CENTRE' },
          S('districtId', true, 'd1'),
          { name: 'services', type: 'array', required: false, valid: ['REHAB'] },
        ],
      },
      {
        name: 'beds',
        path: () => '/beds',
        hasId: 0,
        who: 'cc1c',
        fields: [
          U('institutionId'),
          { name: 'kind', type: 'enum', required: true, valid: 'COMMUNITY' },
          S('ward'),
          S('label'),
          { name: 'services', type: 'array', required: false, valid: ['REHAB'] },
          { name: 'minCareLevel', type: 'int', required: false, valid: 1 },
          { name: 'isolationCapable', type: 'bool', required: false, valid: true },
        ],
      },
      {
        name: 'bed status',
        path: (id) => `/beds/${id}/status`,
        hasId: 1,
        who: 'cc1c',
        fields: [{ name: 'command', type: 'enum', required: true, valid: 'Close' }, S('reason', false)],
      },
      {
        name: 'patients',
        path: () => '/patients',
        hasId: 0,
        who: 'planner',
        fields: [
          S('residentId', true, '110105194912310025'),
          S('name'),
          S('phone', false, '13800000000'),
          { name: 'sex', type: 'enum', required: false, valid: 'F' },
          { name: 'assessment', type: 'object', required: false, valid: { grade: 2, type: 'INITIAL', assessedOn: isoDay(-30), expiresOn: isoDay(335) } },
          { name: 'hardship', type: 'bool', required: false, valid: false },
        ],
      },
      {
        name: 'draft',
        path: () => '/referrals',
        hasId: 0,
        who: 'planner',
        fields: [
          U('patientId'),
          { name: 'requestedKind', type: 'enum', required: true, valid: 'COMMUNITY' },
          { name: 'services', type: 'array', required: true, valid: ['REHAB'] },
          { name: 'urgency', type: 'enum', required: true, valid: 'ROUTINE' },
          S('clinicalSummary'),
          { name: 'careLevel', type: 'int', required: false, valid: 3 },
          { name: 'consent', type: 'bool', required: true, valid: true },
          { name: 'expectedArrival', type: 'date', required: false, valid: isoInstant(1) },
        ],
      },
      { name: 'submit', path: (id) => `/referrals/${id}/submit`, hasId: 1, who: 'planner', fields: [] },
      { name: 'extend', path: (id) => `/referrals/${id}/offers`, hasId: 1, who: 'planner', fields: [U('targetInstitutionId'), U('targetBedId', false)] },
      { name: 'view', path: (id, o) => `/referrals/${id}/offers/${o}/view`, hasId: 2, who: 'cc1c', fields: [] },
      { name: 'accept', path: (id, o) => `/referrals/${id}/offers/${o}/accept`, hasId: 2, who: 'cc1c', fields: [U('bedId', false), U('programmeId', false)] },
      {
        name: 'decline',
        path: (id, o) => `/referrals/${id}/offers/${o}/decline`,
        hasId: 2,
        who: 'cc1c',
        fields: [
          { name: 'reason', type: 'enum', required: true, valid: 'NO_CAPACITY' },
          { name: 'declinedBy', type: 'enum', required: false, valid: 'PROVIDER' },
          S('text', false),
        ],
      },
      { name: 'revoke', path: (id) => `/referrals/${id}/revoke`, hasId: 1, who: 'cc1c', fields: [reason] },
      { name: 'start-transfer', path: (id) => `/referrals/${id}/start-transfer`, hasId: 1, who: 'planner', fields: [] },
      { name: 'confirm-admission', path: (id) => `/referrals/${id}/confirm-admission`, hasId: 1, who: 'cc1c', fields: [] },
      { name: 'abort-transfer', path: (id) => `/referrals/${id}/abort-transfer`, hasId: 1, who: 'planner', fields: [reason] },
      { name: 'cancel', path: (id) => `/referrals/${id}/cancel`, hasId: 1, who: 'planner', fields: [reason] },
      { name: 'escalate', path: (id) => `/referrals/${id}/escalate`, hasId: 1, who: 'dc', fields: [reason] },
      {
        name: 'reroute',
        path: (id) => `/referrals/${id}/reroute`,
        hasId: 1,
        who: 'dc',
        fields: [
          reason,
          { name: 'targets', type: 'array', required: true, valid: [{ institutionId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }] },
          { name: 'strategy', type: 'enum', required: false, valid: 'SEQUENTIAL' },
        ],
      },
      { name: 'close', path: (id) => `/referrals/${id}/close`, hasId: 1, who: 'dc', fields: [reason] },
      {
        name: 'api-keys',
        path: () => '/api-keys',
        hasId: 0,
        who: 'dc',
        fields: [S('label'), { name: 'role', type: 'enum', required: true, valid: 'AUDITOR' }, U('institutionId', false)],
      },
      { name: 'api-key revoke', path: (id) => `/api-keys/${id}/revoke`, hasId: 1, who: 'dc', fields: [] },
    ];
    const rnd = mulberry32(20261123);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const junk = (): unknown =>
      pick<() => unknown>([
        () => pick(INJECTIONS),
        () => pick(UNICODE),
        () => 12345,
        () => -1e308,
        () => true,
        () => ({}),
        () => [],
        () => deep(50 + Math.floor(rnd() * 400)),
        () => Array.from({ length: 20_000 }, (_, i) => i),
        () => 'x'.repeat(5000),
      ])();
    const invalid: Record<FieldType, () => unknown> = {
      uuid: () => pick<unknown>([...INJECTIONS, ...BAD_IDS, 42, {}, [], true, '']),
      // ('' is a valid optional free text, so it is not among the invalid values)
      string: () => pick<unknown>([42, {}, [], true, 'y'.repeat(5000), deep(30), [pick(INJECTIONS)]]),
      int: () => pick<unknown>(['3', 3.5, -1, 1e9, 'NaN', {}, [], true, pick(INJECTIONS)]),
      bool: () => pick<unknown>(['true', 1, 0, 'yes', {}, [], pick(UNICODE)]),
      enum: () => pick<unknown>([...UNICODE, ...INJECTIONS.filter((s) => s !== '__proto__' && s !== 'constructor'), 1, [], {}, true]),
      array: () =>
        pick<unknown>([
          'REHAB',
          5,
          {},
          true,
          Array.from({ length: 50_000 }, () => pick(UNICODE)),
          [[[[]]]],
          [pick(INJECTIONS)],
          Array.from({ length: 100 }, () => 'REHAB'),
        ]),
      object: () => pick<unknown>(['x', 5, [], { grade: 'a', type: 'INITIAL', assessedOn: 'x', expiresOn: 'y' }, { grade: 99 }, deep(100)]),
      date: () => pick<unknown>(['yesterday', '2026-13-45T99:00:00Z', 5, {}, pick(UNICODE)]),
    };
    const baseBody = (ep: Endpoint) => Object.fromEntries(ep.fields.map((f) => [f.name, f.valid]));

    interface Req {
      ep: string;
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string;
    }
    const existing = (ep: Endpoint) =>
      ep.name === 'bed status' ? [ids.bed, ids.bed] : ep.name === 'api-key revoke' ? [ids.apiKey, ids.apiKey] : [ids.referral, ids.offer];
    const bearer = {
      planner: e.token('DISCHARGE_PLANNER', d.hospital, { districtId: 'd1' }),
      cc1c: e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: 'd1' }),
      dc: e.token('DISTRICT_COORDINATOR', null, { districtId: 'd1' }),
    };

    /**
     * Each request is malformed at the edge (auth, parsing, path or body validation), so none may
     * reach the engine: that is what the unchanged database proves.
     */
    const make = (i: number): Req => {
      const ep = endpoints[i % endpoints.length];
      const auth = { authorization: `Bearer ${bearer[ep.who]}` };
      const json = { 'content-type': 'application/json' };
      const ex = existing(ep);
      const goodPath = ep.path(ex[0], ex[1]);
      const kinds = ['field', 'missing', 'unknown', 'raw', 'path', 'auth', 'headers'] as const;
      let kind = pick(kinds);
      if (!ep.fields.length && ['field', 'missing', 'unknown'].includes(kind)) kind = 'path';
      if (kind === 'missing' && !ep.fields.some((f) => f.required)) kind = 'field';
      const body = baseBody(ep);
      switch (kind) {
        case 'field': {
          for (let n = 1 + Math.floor(rnd() * 2); n > 0; n--) {
            const f = pick(ep.fields);
            body[f.name] = invalid[f.type]();
          }
          return { ep: ep.name, method: 'POST', path: goodPath, headers: { ...auth, ...json }, body: JSON.stringify(body) };
        }
        case 'missing': {
          delete body[pick(ep.fields.filter((f) => f.required)).name];
          return { ep: ep.name, method: 'POST', path: goodPath, headers: { ...auth, ...json }, body: JSON.stringify(body) };
        }
        case 'unknown': {
          const key = pick([...INJECTIONS, ...UNICODE, 'isAdmin', 'role', 'actor', 'institutionId2', 'state', 'version']);
          const text = JSON.stringify(body);
          // "__proto__" must be an own key in the JSON text, which JSON.stringify of an object cannot produce
          return {
            ep: ep.name,
            method: 'POST',
            path: goodPath,
            headers: { ...auth, ...json },
            body: `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(junk())}}`,
          };
        }
        case 'raw': {
          // the server may ignore the body (wrong type, charset): it must be invalid even if read
          const req1 = ep.fields.find((f) => f.required);
          if (req1) delete body[req1.name];
          // thunks: only the one picked is built (the 300 KB and 200 KB bodies were built on every call)
          const raw = pick<() => [string, string]>([
            () => ['{"a":', 'application/json'],
            () => ['{bad json}', 'application/json'],
            () => ["{'single': 'quotes'}", 'application/json'],
            () => ['', 'application/json'],
            () => ['null', 'application/json'],
            () => ['[]', 'application/json'],
            () => [JSON.stringify([body]), 'application/json'],
            () => ['"string"', 'application/json'],
            () => ['12345', 'application/json'],
            () => ['true', 'application/json'],
            () => [JSON.stringify({ ...body, pad: 'z'.repeat(300 * 1024) }), 'application/json'],
            () => ['['.repeat(100_000) + ']'.repeat(100_000), 'application/json'],
            () => [JSON.stringify(deep(3000)), 'application/json'],
            () => ['\uFEFF' + JSON.stringify(body), 'text/plain'],
            () => [JSON.stringify(body), 'text/plain'],
            () => ['a=1&b=2', 'application/x-www-form-urlencoded'],
            () => ['<xml>1</xml>', 'application/xml'],
            () => [JSON.stringify(body), 'multipart/form-data; boundary=x'],
            () => ['\x00\x01\x02\xff', 'application/octet-stream'],
            () => [JSON.stringify(body), 'application/json; charset=utf-7'],
          ])();
          // the body may be ignored by the server (wrong type): the path must then be invalid on its own
          return {
            ep: ep.name,
            method: 'POST',
            path: ep.hasId ? ep.path(encodeURIComponent(pick(BAD_IDS)), ex[1]) : goodPath,
            headers: { ...auth, 'content-type': raw[1] },
            body: raw[0],
          };
        }
        case 'path':
          if (!ep.hasId) {
            delete body[pick(ep.fields.filter((f) => f.required)).name];
            return {
              ep: ep.name,
              method: 'POST',
              path: goodPath + pick(['', '/', '?x=1', '?__proto__[a]=1']),
              headers: { ...auth, ...json },
              body: JSON.stringify(body),
            };
          }
          return {
            ep: ep.name,
            method: 'POST',
            path: ep
              .path(encodeURIComponent(pick(BAD_IDS)), ep.hasId === 2 && rnd() < 0.5 ? encodeURIComponent(pick(BAD_IDS)) : ex[1])
              .replace(ex[1], rnd() < 0.5 ? ex[1] : encodeURIComponent(pick(BAD_IDS))),
            headers: { ...auth, ...json },
            body: JSON.stringify(body),
          };
        case 'auth':
          return {
            ep: ep.name,
            method: 'POST',
            path: goodPath,
            headers: {
              ...json,
              ...pick<Record<string, string>>([
                {},
                { authorization: 'Bearer ' + pick(INJECTIONS).replace(/[^\x20-\x7e]/g, '') },
                { authorization: 'Bearer' },
                { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
                { 'x-api-key': 'blk_' + 'x'.repeat(60) },
                { authorization: 'Bearer a.b.c', 'x-api-key': 'k' },
              ]),
            },
            body: JSON.stringify(body),
          };
        case 'headers': {
          // a valid-looking request with a malformed Idempotency-Key is refused before it is queued; the path is also bad when there is one
          const h = {
            ...auth,
            ...json,
            'idempotency-key': pick(['', ' ', 'x'.repeat(500), 'key with spaces', "k';--", 'ключ']).replace(/[^\x20-\x7e]/g, '?'),
            'x-correlation-id': pick(['', 'x'.repeat(1000), '<script>', 'ok-1']),
          };
          delete body[ep.fields.find((f) => f.required)?.name ?? '__none__'];
          return {
            ep: ep.name,
            method: 'POST',
            path: ep.hasId ? ep.path(encodeURIComponent(pick(BAD_IDS)), ex[1]) : goodPath,
            headers: h,
            body: JSON.stringify(body),
          };
        }
      }
    };

    const N = 2400;
    const failures: { i: number; req: Req; status: number; body: string }[] = [];
    const statuses: Record<number, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const req = make(i);
        let status = 0;
        let text = '';
        try {
          const res = await fetch(e.baseUrl + req.path, { method: req.method, headers: req.headers, body: req.body });
          status = res.status;
          text = await res.text();
        } catch (err) {
          text = String(err);
        }
        statuses[status] = (statuses[status] ?? 0) + 1;
        let code: unknown;
        try {
          code = JSON.parse(text).code;
        } catch {
          /* not JSON */
        }
        if (status >= 500 || status < 400 || typeof code !== 'string' || /\bat .*\.(ts|js):\d+/.test(text))
          failures.push({ i, req: { ...req, body: req.body?.slice(0, 200) }, status, body: text.slice(0, 300) });
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    if (failures.length)
      console.error(JSON.stringify(failures.slice(0, 6), null, 1), JSON.stringify(failures.map((f) => `${f.req.ep} ${f.status} ${f.body.slice(0, 80)}`)));
    expect({ requests: N, failures: failures.length }).toEqual({ requests: N, failures: 0 });
    expect(Object.keys(statuses).every((s) => Number(s) >= 400 && Number(s) < 500)).toBe(true);

    // nothing reached the engine: same row counts everywhere, same chain heads, same audit tail
    await new Promise((r) => setTimeout(r, 500));
    expect(await snapshot()).toEqual(before);
  });

  it('roots of what the fuzzer found: a reused client-chosen id is 409, not 503; prototype keys and deep nesting are 400', async () => {
    const id = '5b0c4a43-4b5e-4f0e-9a55-0d1d8c6e0001';
    const inst = (code: string) => d.dc.post('/institutions', { id, code, name: 'dup', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd1' });
    expect((await inst('DUP-1')).status).toBe(201);
    const again = await inst('DUP-2');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALREADY_EXISTS');
    const proto = await d.dc.post('/api-keys', '{"label":"x","role":"AUDITOR","constructor":{"prototype":{"role":"SYSTEM"}}}');
    expect(proto).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const nested = await d.dc.post('/api-keys', '{"label":"x","role":"AUDITOR","x":' + '['.repeat(5000) + ']'.repeat(5000) + '}');
    expect(nested).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});
