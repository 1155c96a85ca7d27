import { Engine, startEngine } from './support/engine';
import { fuzzTargets, smallDistrict } from './support/fixture';
import { deep as deepOf, mulberry32, routerRoutes, writeModelSnapshot } from './support/fuzz';

jest.setTimeout(300_000);

// catch-alls with no endpoint of their own (they answer "not supported")
const FALLBACKS = ['/{*path}', '/console/*path', '/fhir/*path'];

/** Every write route Express has registered (the same enumeration as the OpenAPI suite): new routes are fuzzed without editing this file. */
function writeRoutes(e: Engine): { method: string; path: string }[] {
  return routerRoutes(e.api, ['post', 'put', 'patch', 'delete'])
    .filter((r) => !/^\/docs/.test(r.path) && !FALLBACKS.includes(r.path))
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

const deep = (depth: number, arrays = false) => deepOf(depth, arrays, 'x');

const UNICODE = ['\uFFFF', '\uD800', '𝕏𝕏𝕏', '\u202Eevil', '😀'.repeat(30), '\u0000', 'é'.normalize('NFD'), '中文字段', '\t\n\r'];

/**
 * Hostile bodies, all invalid for every write endpoint: each carries a member no DTO declares, a
 * prototype key, or is not an object at all. The FHIR bodies are Task-less or name no Task field
 * that changes anything; the JSON Patch documents are malformed or target nothing that exists.
 */
function hostileBodies(rnd: () => number): Array<() => string> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const j = (v: unknown) => JSON.stringify(v);
  const wrong = () =>
    pick<unknown>([null, 0, -1, 1e308, true, false, '', [], {}, [null], { a: null }, 'x'.repeat(10_000), pick(UNICODE), deep(12), deep(12, true)]);
  return [
    () => j({ unexpected: wrong() }),
    () => j({ status: wrong(), resourceType: wrong(), referralId: wrong(), institutionId: wrong(), extra: 1 }),
    () => j({ name: 'y'.repeat(20_000) }),
    () => j({ [pick(UNICODE)]: pick(UNICODE), label: pick(UNICODE) }),
    () => j({ nested: deep(15) }),
    () => j({ nested: deep(200) }),
    () => `{"__proto__":{"isAdmin":true,"role":"SYSTEM"},"label":"x"}`,
    () => `{"constructor":{"prototype":{"polluted":true}}}`,
    () => `{"a":[{"__proto__":{"polluted":true}}],"reason":"x"}`,
    () => `{"prototype":{"x":1},"reason":"x"}`,
    () => j({ targets: { institutionId: wrong() }, services: { REHAB: true }, assessment: [wrong()], unknownField: null }),
    () => j({ id: null, code: null, name: null, type: null, districtId: null, label: null, unexpected: null }),
    () => j([{ op: 'add', path: '/__proto__/polluted', value: true }]),
    () => j([{ op: wrong(), path: wrong(), value: wrong() }]),
    () => j([{ op: 'replace', path: '/nothing/here', value: { constructor: { prototype: { polluted: true } } } }]),
    () => j(pick<unknown>([null, 42, 'string', true, [], [[[]]], Array.from({ length: 5000 }, () => null)])),
    () =>
      j({
        resourceType: pick(['Task', 'Patient', null, 5]),
        status: pick(['bogus', null, 7, ['accepted']]),
        focus: wrong(),
        contained: wrong(),
        unexpected: 1,
      }),
    () => `{"reason":"x","reason":${j(wrong())},"__proto__":null}`,
    () => j({ reason: 'x'.repeat(50_000), text: pick(UNICODE), unexpected: [] }),
    () => '{' + '"a":{'.repeat(5000) + '}'.repeat(5001),
  ];
}

/** Hostile ER7 for /hl7/v2 (beside the JSON bodies, which it refuses by content type): broken framing, unknown events, hostile field values. */
function hostileEr7(rnd: () => number): Array<() => string> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const msh = (type: string, enc = '^~\\&') => `MSH|${enc}|HIS|H1|BEDLINK|D1|20261130101500||${type}|FZ${Math.floor(rnd() * 1e9)}|P|2.5.1`;
  return [
    () => '',
    () => 'NOT HL7 AT ALL',
    () => msh('ADT^A03', '^^^^'),
    () => `${msh('ADT^Z99')}\rEVN|Z99|20261130`,
    () => `${msh('ADT^A03')}\rEVN|A03|20261130\rPID|1||${pick(['__proto__', 'constructor', "' OR 1=1--", '😀'.repeat(50), 'x'.repeat(20_000)])}^^^CN-RID^NNCHN`,
    () => `${msh('ADT^A01')}\rEVN|A01|not-a-date\rPID|1||310104194603151234^^^CN-RID^NNCHN\rPV1|1|I|${pick(['__proto__', '\u0000', 'W^R^B'.repeat(2000)])}`,
    () => `${msh('ORM^O01')}\r${'ZZZ|'.repeat(5000)}`,
    () => `${msh('ADT^A03')}\r__p|x\rPID|1`,
  ];
}

const CONTENT_TYPES: Record<string, string> = { PATCH: 'application/json-patch+json' };

describe('Security: fuzzing every write endpoint with valid tokens and hostile bodies', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let params: Record<string, string>;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
    const t = await fuzzTargets(d);
    // path parameters by name: real rows where the name says which, else the referral
    params = {
      id: t.referral,
      referralId: t.referral,
      offerId: t.offer,
      bedId: t.bed,
      patientId: t.patient,
      institutionId: d.cc1,
      keyId: t.apiKey,
    };
  });
  afterAll(async () => {
    await e?.close();
  });

  async function snapshot() {
    const { counts, heads, audit, keys } = await writeModelSnapshot(e.ds);
    // command_log also records refused commands (a 403/404/409 from the engine): those rows are
    // counted apart; the successful ones must not change
    const refusals = Number(counts.command_log);
    delete counts.command_log;
    const succeeded = (await e.ds.query(`SELECT count(*)::int AS n FROM command_log WHERE ok`))[0].n;
    return { state: { counts, heads, audit, keys, succeeded }, refusals };
  }

  it('≥ 2,000 authenticated hostile requests on every write route (REST, FHIR, HL7): no 5xx, coded 4xx, process and data intact', async () => {
    const routes = writeRoutes(e);
    // the enumeration is real: REST, FHIR and HL7 write routes are all there
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /referrals', 'POST /fhir/Task', 'PUT /fhir/Task/:id', 'PATCH /fhir/Task/:id', 'POST /hl7/v2', 'POST /beds/:id/status']),
    );
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const hostProtoBefore = Object.getOwnPropertyNames(Object.getPrototypeOf(structuredClone({}))).sort();

    // every role that acts on writes: whichever may call a route is among them (the others add authorization paths)
    const tokens = [
      e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }),
      e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district }),
      e.token('CARE_HOME_ADMISSIONS', d.care, { districtId: d.district }),
      e.token('DISTRICT_COORDINATOR', null, { districtId: d.district }),
    ];
    const rnd = mulberry32(20261130);
    const bodies = hostileBodies(rnd);
    const path = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => params[name] ?? params.id);
    const contentType = (j: { method: string; path: string; type?: string }) =>
      j.type ?? CONTENT_TYPES[j.method] ?? (j.path.startsWith('/fhir/') ? 'application/fhir+json' : 'application/json');
    const refusedAck = (text: string) => /^MSH/.test(text) && /\rMSA\|A[ER]\|/.test(text);

    /**
     * The valid requests among the hostile ones: a route that declares no body ignores whatever is
     * sent (POST .../view), so a hostile body there is a valid call. Each such call is made once
     * here, with an empty body, before the snapshot; in the fuzz a 2xx is allowed only for these
     * (route, role) pairs and, being a repeat, must change nothing.
     */
    const bodyless = new Set<string>();
    // one such call can enable another (accept, then start-transfer, then confirm-admission): repeat until none is new
    for (let pass = 0, grew = true; grew && pass < 6; pass++) {
      grew = false;
      for (const r of routes) {
        for (const [ti, token] of tokens.entries()) {
          const res = await fetch(e.baseUrl + path(r.path), {
            method: r.method,
            headers: { authorization: `Bearer ${token}`, 'content-type': contentType({ method: r.method, path: r.path }) },
            body: '{}',
          });
          const text = await res.text();
          const pair = `${r.method} ${r.path} ${ti}`;
          if (res.status < 300 && !refusedAck(text) && !bodyless.has(pair)) {
            bodyless.add(pair);
            grew = true;
          }
        }
      }
    }
    const before = await snapshot();
    const er7 = hostileEr7(rnd);
    const jobs: { method: string; path: string; token: string; body: () => string; type?: string; pair: string }[] = [];
    let k = 0;
    for (const r of routes) {
      for (const [ti, token] of tokens.entries()) {
        const pair = `${r.method} ${r.path} ${ti}`;
        // 16 of the 20 bodies per (route, role), rotating, to keep the run short; every body is sent to every route
        bodies.forEach((body, b) => (b + k) % 5 !== 0 && jobs.push({ method: r.method, path: path(r.path), token, body, pair }));
        k++;
        if (r.path.startsWith('/hl7/'))
          for (const body of er7) jobs.push({ method: r.method, path: path(r.path), token, body, type: 'x-application/hl7-v2+er7', pair });
      }
    }
    // repeat the whole matrix if the route list is short, so the floor of 2,000 requests holds
    while (jobs.length < 2000) jobs.push(...jobs.slice(0, 2000 - jobs.length));

    const failures: { i: number; method: string; path: string; status: number; body: string; sent: string }[] = [];
    const accepted: { method: string; path: string; status: number }[] = [];
    const repeats: typeof accepted = [];
    const statuses: Record<number, number> = {};
    const timing: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        const j = jobs[i];
        const sent = j.body();
        let status = 0;
        let text = '';
        try {
          const t = Date.now();
          const res = await fetch(e.baseUrl + j.path, {
            method: j.method,
            headers: { authorization: `Bearer ${j.token}`, 'content-type': contentType(j) },
            body: sent,
          });
          status = res.status;
          text = await res.text();
          const k = `${j.method} ${j.path.replace(/[0-9a-f-]{36}/g, ':id')}`;
          timing[k] = (timing[k] ?? 0) + Date.now() - t;
        } catch (err) {
          text = String(err);
        }
        statuses[status] = (statuses[status] ?? 0) + 1;
        // HL7 v2 answers 200 with an ACK whatever happened: only AA (accepted) may change anything
        if (status >= 200 && status < 300 && !refusedAck(text)) (bodyless.has(j.pair) ? repeats : accepted).push({ method: j.method, path: j.path, status });
        let code: unknown;
        try {
          const b = JSON.parse(text);
          // REST bodies carry code; FHIR answers an OperationOutcome whose coding carries it
          code = b.code ?? b.issue?.[0]?.details?.coding?.[0]?.code ?? (b.resourceType === 'OperationOutcome' ? 'OperationOutcome' : undefined) ?? b.MSA;
        } catch {
          /* HL7 v2 answers ER7 text (an ACK with an error) */
          if (/^MSH/.test(text) && /\rMSA\|A[ER]/.test(text)) code = 'ACK';
        }
        if (status >= 500 || status === 0 || (status >= 400 && typeof code !== 'string') || /\bat .*\.(ts|js):\d+/.test(text))
          failures.push({ i, method: j.method, path: j.path, status, body: text.slice(0, 300), sent: sent.slice(0, 150) });
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 12 }, worker));
    const ms = Date.now() - t0;
    if (failures.length)
      console.error(
        JSON.stringify(failures.slice(0, 6), null, 1),
        JSON.stringify(failures.map((f) => `${f.method} ${f.path} ${f.status} ${f.body.slice(0, 80)}`)),
      );
    console.log(
      `authenticated fuzz: ${jobs.length} requests on ${routes.length} write routes in ${ms} ms; statuses ${JSON.stringify(statuses)}; 2xx repeats of body-less calls ${repeats.length} on ${JSON.stringify([...bodyless])}; slowest routes (total ms) ${JSON.stringify(
        Object.entries(timing)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5),
      )}`,
    );
    expect({ requests: jobs.length >= 2000, failures: failures.length }).toEqual({ requests: true, failures: 0 });
    // every body is invalid by construction: only the body-less calls (already made above) may succeed
    expect(accepted.slice(0, 10)).toEqual([]);

    // the process is alive and unpolluted
    expect((await fetch(`${e.baseUrl}/health`)).status).toBe(200);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf(structuredClone({}))).sort()).toEqual(hostProtoBefore);
    // nothing reached the data (the body-less repeats included): same row counts everywhere, same chain heads, same audit tail
    await new Promise((r) => setTimeout(r, 500));
    const after = await snapshot();
    expect(after.state).toEqual(before.state);
    // at most one logged refusal per request the engine itself refused
    const engineRefused = Object.entries(statuses)
      .filter(([st]) => ['403', '404', '409', '422'].includes(st))
      .reduce((n, [, c]) => n + c, 0);
    expect(after.refusals - before.refusals).toBeLessThanOrEqual(engineRefused);
  });
});
