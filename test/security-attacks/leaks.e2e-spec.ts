import { request } from 'node:http';
import { Writable } from 'node:stream';
import { Engine, startEngine } from '../support/engine';
import { client } from '../support/http';
import { ok, smallDistrict } from '../support/fixture';

jest.setTimeout(120_000);

const PUBLIC_URL = 'https://bedlink.example.org/gw';

/** A raw HTTP request (fetch will not send a forged Host header). */
function raw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = request(
      { host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/**
 * Small leaks (issue #12, item 13): links built from the client's Host header, dependency error
 * text on the public health endpoints, and client correlation ids copied into logs unchecked.
 */
describe('Attack: small leaks (Host header links, health text, correlation ids)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const logs: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    e = await startEngine({ env: { PUBLIC_URL, LOG_LEVEL: 'info' }, logDestination: sink });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  const plannerToken = () => e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district });

  it('FHIR links (Bundle link, fullUrl, CapabilityStatement url) come from PUBLIC_URL, whatever the Host header says', async () => {
    const hostile = {
      host: 'evil.example.com',
      'x-forwarded-host': 'evil.example.com',
      'x-forwarded-proto': 'http',
      authorization: `Bearer ${plannerToken()}`,
    };
    const search = await raw(e.baseUrl, 'GET', '/fhir/Organization?_count=1', hostile);
    expect(search.status).toBe(200);
    const bundle = JSON.parse(search.body);
    expect(bundle.link.length).toBeGreaterThanOrEqual(1);
    for (const l of bundle.link) expect(l.url.startsWith(`${PUBLIC_URL}/fhir/Organization`)).toBe(true);
    expect(bundle.entry[0].fullUrl).toMatch(new RegExp(`^${PUBLIC_URL}/fhir/Organization/`));
    const meta = JSON.parse((await raw(e.baseUrl, 'GET', '/fhir/metadata', hostile)).body);
    expect(meta.implementation.url).toBe(`${PUBLIC_URL}/fhir`);
    expect(search.body + JSON.stringify(meta)).not.toContain('evil.example.com');
  });

  it('POST /fhir/Task answers Location under PUBLIC_URL with a hostile Host header', async () => {
    const patient = await d.patient();
    const task = {
      resourceType: 'Task',
      status: 'draft',
      intent: 'order',
      contained: [
        {
          resourceType: 'ServiceRequest',
          id: 'sr',
          status: 'active',
          intent: 'order',
          priority: 'routine',
          subject: { reference: `Patient/${patient}` },
          code: { coding: [{ system: 'https://bedlink.dev/fhir/CodeSystem/bed-kind', code: 'COMMUNITY' }] },
          orderDetail: [{ coding: [{ system: 'https://bedlink.dev/fhir/CodeSystem/service', code: 'REHAB' }] }],
          note: [{ text: 'leaks' }],
          extension: [{ url: 'https://bedlink.dev/fhir/StructureDefinition/consent', valueBoolean: true }],
        },
      ],
      focus: { reference: '#sr' },
    };
    const r = await raw(
      e.baseUrl,
      'POST',
      '/fhir/Task',
      { host: 'evil.example.com', 'content-type': 'application/fhir+json', authorization: `Bearer ${plannerToken()}` },
      JSON.stringify(task),
    );
    expect(r.status).toBe(201);
    expect(String(r.headers.location)).toMatch(new RegExp(`^${PUBLIC_URL}/fhir/Task/[0-9a-f-]{36}/_history/\\d+$`));
  });

  it('/health and /health/ready say up/down (and numbers) per dependency, no text', async () => {
    for (const p of ['/health', '/health/ready']) {
      const h = await client(e.baseUrl).get(p);
      expect(h.status).toBe(200);
      for (const section of ['info', 'details'] as const) {
        for (const dep of Object.values(h.body[section]) as Record<string, unknown>[]) {
          expect(['up', 'down']).toContain(dep.status);
          for (const [k, v] of Object.entries(dep)) if (k !== 'status') expect(typeof v).toBe('number');
        }
      }
    }
  });

  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const BAD_IDS = ['x'.repeat(65), '<script>alert(1)</script>', 'a b', 'id;rm -rf', '${jndi:ldap://x}', 'ok\u00e9', '"quoted"', 'a/b'];

  it('an invalid X-Correlation-Id is replaced by a fresh id: not echoed, not logged; a valid one is kept', async () => {
    for (const bad of BAD_IDS) {
      const r = await raw(e.baseUrl, 'GET', '/referrals', {
        authorization: `Bearer ${plannerToken()}`,
        'x-correlation-id': Buffer.from(bad, 'utf8').toString('latin1'),
      });
      expect(r.status).toBe(200);
      expect(String(r.headers['x-correlation-id'])).toMatch(uuid);
    }
    const good = 'trace-1.a:b_c-' + 'z'.repeat(20);
    const r = await raw(e.baseUrl, 'GET', '/referrals', { authorization: `Bearer ${plannerToken()}`, 'x-correlation-id': good });
    expect(r.headers['x-correlation-id']).toBe(good);
    await new Promise((res) => setTimeout(res, 200));
    const text = logs.join('');
    expect(text).toContain(good);
    for (const bad of BAD_IDS) expect(text).not.toContain(bad);
  });

  it('the FHIR command path validates the header too: an invalid id never reaches the audit or command log', async () => {
    const patient = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: patient,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'corr',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`), 'submit');
    const bad = '<img src=x onerror=alert(1)>' + 'q'.repeat(80);
    const put = await raw(
      e.baseUrl,
      'PUT',
      `/fhir/Task/${r.referralId}`,
      { 'content-type': 'application/fhir+json', authorization: `Bearer ${plannerToken()}`, 'x-correlation-id': bad },
      JSON.stringify({ resourceType: 'Task', id: r.referralId, status: 'cancelled', intent: 'order', statusReason: { text: 'corr test' } }),
    );
    expect(put.status).toBe(200);
    const fresh = String(put.headers['x-correlation-id']);
    expect(fresh).toMatch(uuid);
    const audit = await e.ds.query(`SELECT correlation_id FROM audit_log WHERE aggregate_id = $1 AND event_type = 'ReferralCancelled'`, [r.referralId]);
    expect(audit).toEqual([{ correlation_id: fresh }]);
    const anyBad = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE correlation_id LIKE '%onerror%' OR length(correlation_id) > 64`);
    expect(anyBad[0].n).toBe(0);
    const cmdBad = await e.ds.query(`SELECT count(*)::int AS n FROM command_log WHERE correlation_id LIKE '%onerror%' OR length(correlation_id) > 64`);
    expect(cmdBad[0].n).toBe(0);
  });
});
