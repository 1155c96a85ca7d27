import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { addressRefusal, HostResolver, QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { loadConfig } from '@bedlink/config';
import { Engine, startEngine } from '../support/engine';
import { ok, smallDistrict } from '../support/fixture';
import { eventually } from '../support/http';

jest.setTimeout(120_000);

/** One sample per range that must never be a webhook target (why → address). */
const REFUSED: [string, string][] = [
  ['unspecified', '0.0.0.0'],
  ['this network', '0.1.2.3'],
  ['private 10/8', '10.1.2.3'],
  ['private 172.16/12', '172.20.0.1'],
  ['private 192.168/16', '192.168.1.1'],
  ['loopback', '127.0.0.2'],
  ['link-local / cloud metadata', '169.254.169.254'],
  ['carrier-grade NAT', '100.64.0.1'],
  ['IETF protocol assignments', '192.0.0.8'],
  ['documentation TEST-NET-1', '192.0.2.10'],
  ['documentation TEST-NET-2', '198.51.100.7'],
  ['documentation TEST-NET-3', '203.0.113.9'],
  ['benchmarking 198.18/15', '198.19.1.1'],
  ['multicast', '224.0.0.1'],
  ['reserved 240/4', '240.0.0.1'],
  ['broadcast', '255.255.255.255'],
  ['v6 unspecified', '::'],
  ['v6 loopback', '::1'],
  ['v6 link-local', 'fe80::1'],
  ['v6 unique-local', 'fd12:3456::1'],
  ['v6 site-local', 'fec0::1'],
  ['v6 multicast', 'ff02::1'],
  ['v6 documentation', '2001:db8::1'],
  ['v6 benchmarking', '2001:2::1'],
  ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
  ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
  ['NAT64 of a private address', '64:ff9b::a00:1'],
  ['NAT64 of loopback', '64:ff9b::7f00:1'],
  ['6to4 of a private address', '2002:c0a8:101::1'],
  ['6to4 of loopback', '2002:7f00:1::1'],
  ['IPv4-compatible (deprecated)', '::127.0.0.1'],
  ['discard-only', '100::1'],
];
const PUBLIC = ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'];

const literal = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

/** A receiver on 127.0.0.1 that records every request. */
async function receiver(): Promise<{ port: number; hits: { headers: IncomingMessage['headers'] }[]; close(): Promise<void> }> {
  const hits: { headers: IncomingMessage['headers'] }[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ headers: req.headers });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A resolver the test controls: host → addresses, switchable at any time; counts lookups. */
function scriptedResolver() {
  const table = new Map<string, string[]>();
  const calls: string[] = [];
  const resolve: HostResolver = async (host) => {
    calls.push(host);
    const a = table.get(host);
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return a;
  };
  return { table, calls, resolve };
}

describe('SSRF: address classification', () => {
  it.each(REFUSED)('refuses %s (%s)', (_why, ip) => {
    expect(addressRefusal(ip)).toEqual(expect.any(String));
  });
  it.each(PUBLIC)('allows the public unicast address %s (embedded IPv4 classified)', (ip) => {
    expect(addressRefusal(ip)).toBeNull();
  });
  it('the test-only allowance of private targets cannot be switched on in production', () => {
    const prod = { NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' };
    expect(() => loadConfig(prod)).toThrow(/WEBHOOK_ALLOW_PRIVATE_URLS/);
  });
});

describe('SSRF: refused when subscribing and again when delivering (DNS rebinding)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let deadLetter: Queue;
  const dns = scriptedResolver();

  beforeAll(async () => {
    // no WEBHOOK_ALLOW_PRIVATE_URLS: the guard is on by default, in tests too
    e = await startEngine({ env: { WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_BACKOFF_MS: '100', WEBHOOK_TIMEOUT_MS: '1000' }, resolver: dns.resolve });
    d = await smallDistrict(e);
    deadLetter = new Queue(QUEUES.deadLetter, { connection: redisOptionsFromUrl(e.cfg.REDIS_URL), prefix: e.cfg.QUEUE_PREFIX });
  });
  afterAll(async () => {
    await deadLetter?.close();
    await e?.close();
  });

  it('every refused range is a 400 at subscription time, as a literal and as a name resolving to it; nothing stored', async () => {
    // counted from here: the other cases of this file store subscriptions of their own, before or after (jest --randomize)
    const stored = async () => (await e.ds.query(`SELECT count(*)::int AS n FROM webhook_subscriptions`))[0].n as number;
    const before = await stored();
    for (const [why, ip] of REFUSED) {
      const r = await d.cc2c.post('/webhooks', { url: `http://${literal(ip)}:8080/hook` });
      expect({ why, status: r.status, code: r.body.code }).toEqual({ why, status: 400, code: 'VALIDATION_FAILED' });
      const host = `sub-${REFUSED.findIndex(([w]) => w === why)}.attacker.test`;
      dns.table.set(host, ['93.184.216.34', ip]); // one bad address among good ones is enough to refuse
      const n = await d.cc2c.post('/webhooks', { url: `https://${host}/hook` });
      expect({ why, status: n.status, message: n.body.message }).toEqual({ why, status: 400, message: expect.stringContaining(ip) });
    }
    expect((await d.cc2c.post('/webhooks', { url: 'http://nxdomain.attacker.test/hook' })).status).toBe(400);
    expect(await stored()).toBe(before);
  });

  it('a name that resolved to a public address when subscribed and to a refused one at delivery is never called', async () => {
    const rx = await receiver();
    try {
      const hosts = REFUSED.map((_, i) => `rebind-${i}.attacker.test`);
      for (const h of hosts) dns.table.set(h, ['93.184.216.34']);
      const ids: string[] = [];
      for (const h of hosts)
        ids.push((await ok(d.cc2c.post('/webhooks', { url: `http://${h}:${rx.port}/hook`, eventTypes: ['OfferExtended'] }), `subscribe ${h}`)).id);
      // the attacker's DNS now answers with internal addresses (the receiver listens on one of them)
      REFUSED.forEach(([, ip], i) => dns.table.set(hosts[i], [ip]));

      const patientId = await d.patient();
      const drafted = await ok(
        d.planner.post('/referrals', {
          patientId,
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'ROUTINE',
          clinicalSummary: 'stroke day 9, stable',
          careLevel: 3,
          consent: true,
        }),
        'draft',
      );
      await ok(d.planner.post(`/referrals/${drafted.referralId}/submit`), 'submit');
      await ok(d.planner.post(`/referrals/${drafted.referralId}/offers`, { targetInstitutionId: d.cc2, targetBedId: d.cc2Beds[0] }), 'offer');

      const dead = await eventually(
        () => deadLetter.getJobs(['waiting']),
        (js) => js.filter((j) => j.data.source === QUEUES.webhookDeliveries).length >= ids.length,
        30_000,
      );
      for (const [i, [why, ip]] of REFUSED.entries()) {
        const j = dead.find((x) => x.data.data.subscriptionId === ids[i]);
        // refused on the first attempt (no retry can make it acceptable), naming the address
        expect({ why, attempts: j?.data.attempts, lastError: j?.data.lastError }).toEqual({
          why,
          attempts: 1,
          lastError: expect.stringMatching(new RegExp(`refused: .*${ip.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)),
        });
      }
      expect(rx.hits).toEqual([]);
    } finally {
      await rx.close();
    }
  });
});

describe('SSRF: the checked address is the one connected to (no second lookup)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const HOST = 'pinned.partner.test';
  let lookups = 0;
  // the first answer is the local receiver; any later lookup of the name would go where nothing
  // listens (10.255.255.1), and the system resolver does not know the name at all: only a
  // connection pinned to the first, checked answer reaches the receiver
  const resolve: HostResolver = async (host) => {
    if (host !== HOST) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    lookups++;
    return lookups === 1 ? ['127.0.0.1'] : ['10.255.255.1'];
  };

  beforeAll(async () => {
    // the explicit test-only allowance lets the pinned address be the local receiver
    e = await startEngine({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_BACKOFF_MS: '100', WEBHOOK_TIMEOUT_MS: '1000' }, resolver: resolve });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('resolves once per attempt and connects to that address, keeping the name as Host', async () => {
    const rx = await receiver();
    try {
      await ok(d.cc2c.post('/webhooks', { url: `http://${HOST}:${rx.port}/hook`, eventTypes: ['OfferExtended'] }), 'subscribe');
      const patientId = await d.patient();
      const drafted = await ok(
        d.planner.post('/referrals', {
          patientId,
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'ROUTINE',
          clinicalSummary: 'stroke day 9, stable',
          careLevel: 3,
          consent: true,
        }),
        'draft',
      );
      await ok(d.planner.post(`/referrals/${drafted.referralId}/submit`), 'submit');
      await ok(d.planner.post(`/referrals/${drafted.referralId}/offers`, { targetInstitutionId: d.cc2, targetBedId: d.cc2Beds[0] }), 'offer');
      await eventually(
        async () => rx.hits.length,
        (n) => n >= 1,
        15_000,
      );
      expect(rx.hits[0].headers.host).toBe(`${HOST}:${rx.port}`);
      expect(rx.hits[0].headers['bedlink-delivery-attempt']).toBe('1');
      expect(lookups).toBe(1);
    } finally {
      await rx.close();
    }
  });
});
