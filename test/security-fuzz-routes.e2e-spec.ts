import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { verifyAuditChains } from '@bedlink/persistence';
import { violations } from './faults/invariants';
import { Engine, startEngine } from './support/engine';
import { fuzzTargets, ok, smallDistrict } from './support/fixture';
import { deep, mulberry32, routerRoutes } from './support/fuzz';

jest.setTimeout(600_000);

/**
 * Every write route the running application has registered, read from its router rather than listed by
 * hand: a route added tomorrow (FHIR, HL7 and the rest included) is fuzzed here without editing this file.
 * Each route gets unauthenticated requests and authenticated ones (several roles) with malformed bodies
 * and path parameters. Checked: no 5xx; a refusal says why (a code, a FHIR OperationOutcome or an HL7
 * ACK AE/AR); a refused request leaves the write model exactly as it was (no half-written state); the
 * engine still answers afterwards, the audit chains verify and the state invariants hold.
 */
const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];

const writeRoutes = (api: INestApplication) => routerRoutes(api, WRITE_METHODS);

const BAD_IDS = ['not-a-uuid', '1', `' OR 1=1--`, '%27%20OR%201%3D1', 'a'.repeat(300), '..%2F..%2Fetc', 'null', '-1', '00000000-0000-0000-0000-00000000000g'];
const JUNK_VALUES: unknown[] = [
  `'; DROP TABLE referrals; --`,
  '<script>alert(1)</script>',
  '\u0000',
  '\uD800',
  '😀'.repeat(40),
  -1e308,
  12345,
  true,
  null,
  {},
  [],
  'x'.repeat(5000),
  { $gt: '' },
  Array.from({ length: 2000 }, (_, i) => i),
];
const FIELD_NAMES = [
  'id',
  'patientId',
  'referralId',
  'institutionId',
  'bedId',
  'programmeId',
  'state',
  'role',
  'kind',
  'capacity',
  'reason',
  'url',
  'status',
  'resourceType',
];

describe('Security: every write route the router knows, fuzzed with and without credentials', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  /** A real row for each kind of path parameter, so requests reach the handlers, not only the id parser. */
  let real: Record<string, string>;

  beforeAll(async () => {
    // the webhook the fuzz may touch points at a closed local port (allowed here only)
    e = await startEngine({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    d = await smallDistrict(e);
    const t = await fuzzTargets(d);
    const programme = await ok(d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: 'fuzz wards', capacity: 2 }), 'programme');
    const hook = await ok(d.cc1c.post('/webhooks', { url: 'http://127.0.0.1:9/hook', eventTypes: ['OfferExtended'] }), 'webhook');
    real = {
      referrals: t.referral,
      offers: t.offer,
      beds: t.bed,
      'api-keys': t.apiKey,
      patients: t.patient,
      programmes: programme.programmeId,
      webhooks: hook.id,
      Task: t.referral,
      districts: d.district,
      institutions: d.cc1,
      commands: randomUUID(),
    };
  });
  afterAll(async () => {
    await e?.close();
  });

  /** The write model: rows of every table a command writes, their versions and the audit head (read models and logs left out). */
  async function fingerprint(): Promise<string> {
    const [row] = await e.ds.query(`
      SELECT (SELECT count(*) FROM referrals) r, (SELECT coalesce(sum(version), 0) FROM referrals) rv,
             (SELECT count(*) FROM offers) o, (SELECT count(*) FROM reservations) x,
             (SELECT count(*) FROM beds) b, (SELECT coalesce(sum(version), 0) FROM beds) bv,
             (SELECT count(*) FROM patients) p, (SELECT coalesce(sum(version), 0) FROM patients) pv,
             (SELECT count(*) FROM institutions) i, (SELECT coalesce(sum(version), 0) FROM institutions) iv,
             (SELECT count(*) FROM home_programmes) hp, (SELECT coalesce(sum(version), 0) FROM home_programmes) hpv,
             (SELECT count(*) FROM enrolments) en, (SELECT count(*) FROM cooperation_agreements) ca,
             (SELECT count(*) FROM api_keys) k, (SELECT coalesce(sum(version), 0) FROM api_keys) kv,
             (SELECT count(*) FROM webhook_subscriptions) w, (SELECT coalesce(sum(version), 0) FROM webhook_subscriptions) wv,
             (SELECT count(*) FROM district_policies) dp, (SELECT coalesce(sum(version), 0) FROM district_policies) dpv,
             (SELECT count(*) FROM care_relationships) cr,
             (SELECT coalesce(max(seq), 0) FROM audit_log) a, (SELECT count(*) FROM outbox) ob`);
    return JSON.stringify(row);
  }

  it('finds the write routes in the router: more than 30, FHIR and HL7 among them', () => {
    const routes = writeRoutes(e.api).map((r) => `${r.method} ${r.path}`);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes).toEqual(expect.arrayContaining(['POST /fhir/Task', 'PUT /fhir/Task/:id', 'PATCH /fhir/Task/:id', 'POST /hl7/v2', 'POST /referrals']));
  });

  it('no 5xx, every refusal explained and without a trace, the engine whole afterwards', async () => {
    const routes = writeRoutes(e.api);
    const rnd = mulberry32(20261130);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const tokens = {
      planner: e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }),
      cc1: e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district }),
      district: e.token('DISTRICT_COORDINATOR', null, { districtId: d.district }),
      auditor: e.token('AUDITOR', null, { districtId: d.district }),
      system: e.token('SYSTEM', null),
    };
    const unauthenticated = [{}, { authorization: 'Bearer not.a.token' }, { authorization: 'Basic YWRtaW46YWRtaW4=' }, { 'x-api-key': 'bl_nope.nope' }];

    /** Path parameters: a real row of the segment's kind (or a random uuid), or a malformed id. */
    const fill = (path: string, malformed: boolean) =>
      path.replace(/:(\w+)/g, (_m, _name: string, at: number) => {
        if (malformed) return encodeURIComponent(pick(BAD_IDS));
        const segment = path.slice(0, at).split('/').filter(Boolean).pop() ?? '';
        const kind = _name === 'offerId' ? 'offers' : segment;
        return real[kind] ?? randomUUID();
      });
    const body = (path: string): { text: string; type: string } => {
      if (path.startsWith('/hl7'))
        return pick([
          { text: 'MSH|^~\\&|HIS|H1|BEDLINK|D1|x||ADT^A03|' + 'M'.repeat(500) + '|P|2.5.1\rPID|1||' + pick(BAD_IDS), type: 'x-application/hl7-v2+er7' },
          { text: 'not an hl7 message at all', type: 'x-application/hl7-v2+er7' },
          { text: 'MSH|^~\\&|\r'.repeat(200), type: 'text/plain' },
          { text: '\u0000\u0001\u0002', type: 'x-application/hl7-v2+er7' },
          {
            text: `MSH|^~\\&|HIS|H1|BEDLINK|D1|20261130||ADT^A03|M1|P|2.5.1\rEVN|A03\rPID|1||${String(pick(JUNK_VALUES))}^^^CN-RID`,
            type: 'x-application/hl7-v2+er7',
          },
        ]);
      const json = (v: unknown) => ({ text: JSON.stringify(v), type: pick(['application/json', 'application/fhir+json']) });
      return pick([
        () => json(Object.fromEntries(Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => [pick(FIELD_NAMES), pick(JUNK_VALUES)]))),
        () => json({ resourceType: pick(['Task', 'Patient', 'Bundle', 'x']), status: pick(JUNK_VALUES), intent: 'order', for: { reference: pick(BAD_IDS) } }),
        () => json([{ op: pick(['replace', 'add', 'remove', 'move']), path: pick(['/status', '/__proto__/x', '', '/a/b/c']), value: pick(JUNK_VALUES) }]),
        () => json(deep(2000)),
        () => json(pick(JUNK_VALUES)),
        () => ({ text: '{"broken', type: 'application/json' }),
        () => ({ text: 'a=1&b=2', type: 'application/x-www-form-urlencoded' }),
      ])();
    };

    /** What the answer says about a refusal: undefined when the request was not refused. */
    const refusal = (status: number, text: string): string | undefined => {
      if (status >= 400) return text;
      if (/^MSA\|A[ER]\|/m.test(text.replace(/\r/g, '\n'))) return text;
      return undefined;
    };

    const problems: string[] = [];
    let sent = 0;
    let refused = 0;
    for (const route of routes) {
      const requests: { headers: Record<string, string>; malformedPath: boolean }[] = [
        ...unauthenticated.map((h) => ({ headers: h as Record<string, string>, malformedPath: false })),
        ...Array.from({ length: 8 }, () => ({ headers: { authorization: `Bearer ${pick(Object.values(tokens))}` }, malformedPath: rnd() < 0.3 })),
      ];
      for (const r of requests) {
        const url = fill(route.path, r.malformedPath);
        const b = route.method === 'DELETE' && rnd() < 0.5 ? undefined : body(route.path);
        const before = await fingerprint();
        const res = await fetch(e.baseUrl + url, {
          method: route.method,
          headers: { ...r.headers, ...(b ? { 'content-type': b.type } : {}), 'idempotency-key': `fuzz-${sent}` },
          body: b?.text,
        });
        const text = await res.text();
        sent++;
        const where = `${route.method} ${url} (${r.headers.authorization?.slice(0, 12) ?? Object.keys(r.headers)[0] ?? 'no credentials'})`;
        if (res.status >= 500) problems.push(`${where}: ${res.status} ${text.slice(0, 200)}`);
        const why = refusal(res.status, text);
        if (why === undefined) continue;
        refused++;
        if (res.status >= 400) {
          let parsed: any = null;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* checked below */
          }
          const explained = typeof parsed?.code === 'string' || parsed?.resourceType === 'OperationOutcome' || /^MSH\|/.test(text);
          if (!explained) problems.push(`${where}: ${res.status} without a code: ${text.slice(0, 200)}`);
        }
        if ((await fingerprint()) !== before) problems.push(`${where}: refused (${res.status}) but the write model changed`);
      }
    }
    // unauthenticated requests are all refused; so are most authenticated ones
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThanOrEqual(routes.length * unauthenticated.length);
    process.stderr.write(`[fuzz-routes] ${routes.length} write routes, ${sent} requests, ${refused} refused\n`);

    // the engine is whole: it answers, its trail verifies, no invariant broken
    expect((await fetch(`${e.baseUrl}/health`)).status).toBe(200);
    expect((await d.planner.get(`/referrals/${real.referrals}`)).status).toBe(200);
    const audit = await verifyAuditChains(e.ds);
    expect(audit.ok).toBe(true);
    expect(await violations((sql) => e.ds.query(sql))).toEqual({});
  });
});
