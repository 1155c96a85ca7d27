import { Engine, startEngine } from '../support/engine';
import { client } from '../support/http';
import { ok, smallDistrict } from '../support/fixture';

jest.setTimeout(120_000);

/**
 * Prototype pollution through the API (issue #12): an ordinary institution account sent
 * `PATCH /fhir/Task/{id}` with `[{"op":"add","path":"/__proto__/ignoreExpiration","value":true}]`,
 * which poisoned Object.prototype in the API process (a 500, then prom-client threw and the process
 * exited). Jest runs the API in this process, so a pollution shows up here as new keys on
 * Object.prototype: the suite snapshots them before any attack and compares after all of them.
 */
describe('Attack: prototype pollution through paths and bodies', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let taskId: string;
  let offerTaskId: string;
  // Jest runs this file in a vm context: objects made by host functions (structuredClone) have the
  // host realm's Object.prototype, so both realms' prototypes are watched.
  const hostObject = Object.getPrototypeOf(structuredClone({})) as object;
  const hostArray = Object.getPrototypeOf(structuredClone([])) as object;
  const watched = [Object.prototype, Function.prototype, Array.prototype, hostObject, hostArray, Object.getPrototypeOf(hostObject.constructor)];
  const keysOf = () => watched.map((p) => Object.getOwnPropertyNames(p).sort());
  const keysBefore = keysOf();
  const polluted = (k: string) => (({}) as Record<string, unknown>)[k] !== undefined || (structuredClone({}) as Record<string, unknown>)[k] !== undefined;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
    const patient = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: patient,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'proto',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`), 'submit');
    const offer = await ok(d.planner.post(`/referrals/${r.referralId}/offers`, { targetInstitutionId: d.cc1 }), 'offer');
    taskId = r.referralId;
    offerTaskId = offer.offerId;
  });
  afterAll(async () => {
    // never leave a polluted prototype behind for other code in this worker
    watched.forEach((p, i) => {
      for (const k of Object.getOwnPropertyNames(p)) if (!keysBefore[i].includes(k)) delete (p as Record<string, unknown>)[k];
    });
    await e?.close();
  });

  const patch = (id: string, ops: unknown, token = e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district })) =>
    client(e.baseUrl, token).raw('PATCH', `/fhir/Task/${id}`, typeof ops === 'string' ? ops : JSON.stringify(ops), {
      'content-type': 'application/json-patch+json',
    });

  const pollutionPaths = [
    '/__proto__/ignoreExpiration',
    '/__proto__',
    '/constructor/prototype/ignoreExpiration',
    '/constructor/prototype',
    '/constructor',
    '/prototype',
    '/input/0/__proto__/polluted',
    '/input/__proto__/polluted',
    '/statusReason/constructor/prototype/polluted',
    '/meta/__proto__/polluted',
    '/for/constructor/polluted',
  ];

  it.each(pollutionPaths.flatMap((p) => ['add', 'replace', 'remove', 'test'].map((op) => [op, p])))(
    'JSON Patch %s at %s is 400 VALIDATION_FAILED',
    async (op, path) => {
      const r = await patch(taskId, [{ op, path, ...(op === 'remove' ? {} : { value: true }) }]);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ resourceType: 'OperationOutcome' });
      expect(JSON.stringify(r.body)).toContain('VALIDATION_FAILED');
      expect(polluted('ignoreExpiration') || polluted('polluted')).toBe(false);
    },
  );

  it('the original attack, sent by the owner of the offer on its offer Task, is refused and pollutes nothing', async () => {
    const cc1 = e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district });
    const r = await patch(offerTaskId, [{ op: 'add', path: '/__proto__/ignoreExpiration', value: true }], cc1);
    expect(r.status).toBe(400);
    expect(polluted('ignoreExpiration')).toBe(false);
  });

  it('move and copy from or to a prototype path are refused', async () => {
    for (const op of [
      { op: 'copy', from: '/status', path: '/__proto__/polluted' },
      { op: 'move', from: '/__proto__', path: '/x' },
      { op: 'copy', from: '/constructor/prototype', path: '/x' },
    ]) {
      const r = await patch(taskId, [op]);
      expect(r.status).toBe(400);
    }
  });

  it('a JSON Patch walks own properties only: inherited members are not paths', async () => {
    for (const path of ['/toString/x', '/hasOwnProperty', '/valueOf/polluted', '/input/length/x']) {
      const r = await patch(taskId, [{ op: path.endsWith('Property') ? 'replace' : 'add', path, value: 1 }]);
      expect(r.status).toBe(400);
    }
  });

  it('a valid JSON Patch still works after the attacks (no change of status is a 200 with the Task)', async () => {
    const c = client(e.baseUrl, e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }));
    const status = (await c.get(`/fhir/Task/${taskId}`)).body.status;
    const r = await patch(taskId, [
      { op: 'test', path: '/status', value: status },
      { op: 'add', path: '/statusReason', value: { text: 'x' } },
    ]);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ resourceType: 'Task', id: taskId });
  });

  // JSON.parse makes "__proto__" an own key, which spreads and merges then copy onto the prototype
  const hostileBodies = [
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":{"__proto__":{"polluted":true}}}',
    '{"list":[{"__proto__":{"polluted":true}}]}',
    '{"prototype":{"polluted":true}}',
    '{"x":[[{"constructor":{"prototype":{"polluted":true}}}]]}',
  ];
  const routes: Array<[string, string, string]> = [
    ['POST', '/referrals', 'application/json'],
    ['POST', '/referrals/{id}/cancel', 'application/json'],
    ['POST', '/institutions', 'application/json'],
    ['POST', '/fhir/Task', 'application/fhir+json'],
    ['PUT', '/fhir/Task/{id}', 'application/fhir+json'],
    ['PATCH', '/fhir/Task/{id}', 'application/json-patch+json'],
    ['POST', '/hl7/v2', 'application/json'],
  ];

  it.each(routes.flatMap(([m, p, ct]) => hostileBodies.map((b) => [m, p, ct, b] as const)))(
    '%s %s (%s) with a prototype key in the body %s is 400',
    async (method, route, ct, body) => {
      const path = () => route.replace('{id}', taskId);
      // Task-shaped bodies so FHIR reaches the same code as a real client
      const text =
        path().startsWith('/fhir/Task') && method !== 'PATCH'
          ? body.replace(/^\{/, `{"resourceType":"Task","status":"requested","focus":{"reference":"#sr"},`)
          : method === 'PATCH'
            ? `[{"op":"add","path":"/statusReason","value":${body}}]`
            : body;
      const r = await client(e.baseUrl, e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district })).raw(method, path(), text, { 'content-type': ct });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toContain('VALIDATION_FAILED');
      expect(polluted('polluted')).toBe(false);
    },
  );

  it('prototype keys in query strings neither pollute nor fail', async () => {
    const c = client(e.baseUrl, e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }));
    for (const q of ['__proto__[polluted]=1', 'constructor[prototype][polluted]=1', '__proto__.polluted=1', 'status[__proto__]=x']) {
      for (const p of ['/fhir/Task', '/referrals', '/fhir/Location']) {
        const r = await c.get(`${p}?${q}`);
        expect(r.status).toBeLessThan(500);
      }
    }
    expect(polluted('polluted')).toBe(false);
  });

  it('after every attack: no new keys on Object/Function/Array prototypes, and the API still answers /health', async () => {
    expect(keysOf()).toEqual(keysBefore);
    const h = await client(e.baseUrl).get('/health');
    expect(h.status).toBe(200);
    const m = await client(e.baseUrl).get('/metrics');
    expect(m.status).toBeLessThan(500);
  });
});
