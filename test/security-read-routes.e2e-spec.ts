import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Role } from '@bedlink/domain';
import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { placePatient } from './support/stays';
import { routerRoutes } from './support/fuzz';
import { shanghaiDay } from './support/dates';
import { openStream } from './support/sse';

jest.setTimeout(600_000);

/**
 * Every read route the running application has registered (REST, FHIR, the event stream and the
 * document download included), read from its router like the write-route fuzz does: a GET route added
 * tomorrow is called here without editing this file, and fails the suite until the table below can fill
 * its path parameters. District A's records are made at run time; each route is then called by every
 * role of another district and by every institution role of an unrelated institution of A's own
 * district. None may answer with A's data: the body is searched for A's ids, names and texts, not only
 * the status read. An insider of A must get a 2xx from the same URLs, or the fills prove nothing.
 */

const readRoutes = (api: INestApplication) => routerRoutes(api, ['get']);

/**
 * Routes no insider can read a 2xx from in this suite's engine, with the reason. Foreign readers still
 * call them (and their bodies are still searched); only the insider check is waived.
 */
const NO_INSIDER_2XX: Record<string, string> = {
  '/auth/oidc': 'no identity provider is configured in this suite (OIDC has its own spec)',
  '/auth/oidc/login': 'no identity provider is configured in this suite (OIDC has its own spec)',
  '/auth/oidc/callback': 'no identity provider is configured in this suite (OIDC has its own spec)',
  '/health/ready': 'readiness answers 200 or 503 by dependency state, with no district data either way',
  '/console': 'the console bundle is not built in this suite; it is static files, no district data',
  '/console/*path': 'the console bundle is not built in this suite; it is static files, no district data',
  '/docs/LICENSE': 'a static file of the API docs (Swagger UI), no district data',
  '/{*path}': 'the router’s catch-all for unknown paths: always 404',
  '/fhir/*path': 'the FHIR catch-all for interactions the facade does not support: always an OperationOutcome 404',
};

/**
 * The registry is city-wide on purpose: institutions, their beds and home programmes, and the capacity
 * boards are what matching reads across districts along cooperation agreements ("readable by every
 * human role", RegistryReads). Another district may see A's registry entries here, never A's referrals,
 * patients, files, messages, occupants, keys, accounts or subscriptions (the private markers).
 */
const CITY_WIDE_REGISTRY: Record<string, string> = {
  '/institutions': 'the registry',
  '/institutions/:id': 'the registry',
  '/beds': 'the registry (occupants only to the bed’s own institution)',
  '/programmes': 'the registry',
  '/bed-board': 'capacity board: counts per institution and kind',
  '/bed-board/programmes': 'capacity board: counts per programme',
  '/bed-board/districts': 'capacity board: counts per district and kind',
  '/fhir/Location': 'the registry as FHIR (the holding Task only to the district and the bed’s institution)',
  '/fhir/Location/:id': 'the registry as FHIR (the holding Task only to the district and the bed’s institution)',
  '/fhir/Organization': 'the registry as FHIR',
  '/fhir/Organization/:id': 'the registry as FHIR',
  '/agreements': 'the registry: cooperation agreements cross districts',
};

type District = Awaited<ReturnType<typeof smallDistrict>>;

describe('Security: every read route the router knows, called by a foreign reader', () => {
  let e: Engine;
  let a: District;
  let b: District;
  const tag = randomBytes(4).toString('hex');
  /** A's records: path parameter values by kind. */
  let ids: Record<string, string[]>;
  /** What only A's parties may see (referrals, patients, files, messages, keys, accounts, subscriptions). */
  let privateMarkers: string[];
  /** What A's own district may see but another district may not (institutions, beds, programmes). */
  let districtMarkers: string[];
  /** Queries per route: a route not listed is called without one. */
  let queries: Record<string, string[]>;
  let insiders: { name: string; token: string }[];
  let foreign: { name: string; token: string; sameDistrict: boolean }[];
  /** An outbox event of district B, older than all of A's: what a B reader may pass as Last-Event-ID. */
  let replayFrom: string;

  beforeAll(async () => {
    e = await startEngine({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    b = await smallDistrict(e, `rb${tag}`);
    [{ event_id: replayFrom }] = await e.ds.query(`SELECT event_id FROM outbox ORDER BY id LIMIT 1`);
    a = await smallDistrict(e, `ra${tag}`);
    const hospital2 = (
      await ok(
        a.dc.post('/institutions', {
          code: `H2-${a.district}`,
          name: `unrelated hospital ${tag}`,
          type: 'REGIONAL_MEDICAL_CENTRE',
          districtId: a.district,
          lat: 31.2,
          lng: 121.4,
          services: [],
        }),
        'hospital 2',
      )
    ).institutionId as string;
    const bedLabel = `bed-${tag}`;
    const labelledBed = (
      await ok(a.cc1c.post('/beds', { institutionId: a.cc1, kind: 'COMMUNITY', ward: `ward-${tag}`, label: bedLabel, services: ['REHAB'] }), 'bed')
    ).bedId as string;

    // two patients, both with the family doctor at cc1; names and resident ids nobody else can have
    const rid1 = residentId(1_000_000 + (parseInt(tag, 16) % 4_000_000));
    const rid2 = residentId(5_000_000 + (parseInt(tag, 16) % 4_000_000));
    const register = async (rid: string, name: string) =>
      (await ok(a.planner.post('/patients', { residentId: rid, name, phone: '13912345678', familyDoctorInstitutionId: a.cc1 }), 'patient')).patientId as string;
    const name1 = `甲${tag}一`;
    const name2 = `甲${tag}二`;
    const p1 = await register(rid1, name1);
    const p2 = await register(rid2, name2);

    // a live referral hospital → cc1 with a file and a message, and one placed to its end (a stay, a journey)
    const summary = `summary-${tag}`;
    const draft = await ok(
      a.planner.post('/referrals', {
        patientId: p1,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: summary,
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    const r1 = draft.referralId as string;
    await ok(a.planner.post(`/referrals/${r1}/submit`), 'submit');
    const o1 = (await ok(a.planner.post(`/referrals/${r1}/offers`, { targetInstitutionId: a.cc1, targetBedId: a.cc1Beds[0] }), 'offer')).offerId as string;
    const docBody = `%PDF-1.4\n% doc-${tag}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`;
    const filename = `file-${tag}.pdf`;
    const up = await fetch(`${e.baseUrl}/referrals/${r1}/documents?filename=${filename}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.token('DISCHARGE_PLANNER', a.hospital, { districtId: a.district })}`, 'content-type': 'application/pdf' },
      body: docBody,
    });
    const doc = (await up.json()) as { documentId: string };
    if (up.status >= 300) throw new Error(`upload: ${up.status} ${JSON.stringify(doc)}`);
    const messageText = `msg-${tag}`;
    const msg = await ok(a.planner.post(`/referrals/${r1}/messages`, { targetInstitutionId: a.cc1, text: messageText }), 'message');
    const r2 = await placePatient(a, p2, { kind: 'COMMUNITY', services: ['REHAB'] }, { client: a.cc1c, institutionId: a.cc1, bedId: labelledBed });
    const [{ id: o2 }] = await e.ds.query(`SELECT id FROM offers WHERE referral_id = $1`, [r2]);

    const programmeName = `prog-${tag}`;
    const programme = (await ok(a.cc1c.post('/programmes', { institutionId: a.cc1, kind: 'HOME_SICKBED', name: programmeName, capacity: 3 }), 'programme'))
      .programmeId as string;
    const hookUrl = `http://127.0.0.1:9/hook-${tag}`;
    const hook = await ok(a.cc1c.post('/webhooks', { url: hookUrl, eventTypes: ['OfferExtended'] }), 'webhook');
    const keyLabel = `key-${tag}`;
    const key = await ok(a.dc.post('/api-keys', { label: keyLabel, role: 'AUDITOR' }), 'api key');
    const username = `user${tag}`;
    const account = await ok(
      a.dc.post('/users', {
        username,
        displayName: `name-${tag}`,
        role: 'DISCHARGE_PLANNER',
        institutionId: a.hospital,
        password: 'correct horse battery staple',
      }),
      'account',
    );
    // the journey is a projection: wait until A's own side reads it
    await eventually(
      () => a.planner.get(`/patients/${p2}/journey`),
      (r) => r.status === 200 && JSON.stringify(r.body).includes(r2),
    );

    ids = {
      referrals: [r1, r2],
      offers: [o1, o2],
      patients: [p1, p2],
      documents: [doc.documentId],
      messages: [msg.messageId],
      beds: [labelledBed, a.cc1Beds[0]],
      institutions: [a.cc1, a.hospital],
      districts: [a.district],
      programmes: [programme],
      commands: [draft.commandId],
      console: ['index.html'],
      fhirPath: ['Encounter'],
    };
    privateMarkers = [
      r1,
      r2,
      o1,
      o2,
      p1,
      p2,
      name1,
      name2,
      rid1,
      rid2,
      summary,
      ...ids.documents,
      filename,
      `doc-${tag}`,
      ...ids.messages,
      messageText,
      hook.id,
      hookUrl,
      key.id,
      keyLabel,
      account.id,
      username,
      `name-${tag}`,
      draft.commandId,
    ];
    for (const m of privateMarkers) if (typeof m !== 'string' || m.length < 6) throw new Error(`fixture: a marker is missing (${String(m)})`);
    districtMarkers = [
      a.district,
      a.hospital,
      a.cc1,
      a.cc2,
      a.care,
      hospital2,
      labelledBed,
      bedLabel,
      ...a.cc1Beds,
      ...a.hospitalBeds,
      programme,
      programmeName,
    ];

    queries = {
      '/referrals': ['', '?side=all&limit=200', '?side=target&limit=200', '?side=origin&state=OFFERED'],
      '/referrals/:id/audit': ['', '?verify=true'],
      '/referrals/:id/messages': ['', `?target=${a.cc1}`],
      '/patients': [`?residentId=${rid1}&referralId=${r1}`, `?residentId=${rid2}`],
      '/patients/:id': [`?referralId=${r1}`, `?referralId=${r2}`, ''],
      // a name A's own patients carry, with the reason every record read needs (district roles are refused)
      '/patients/search': [`?name=${encodeURIComponent(name1)}&reason=${encodeURIComponent('read-route check')}`],
      '/beds': ['', `?institutionId=${a.cc1}`, `?institutionId=${a.cc1}&status=O`],
      '/institutions': ['', `?districtId=${a.district}`],
      '/programmes': ['', `?institutionId=${a.cc1}`, `?districtId=${a.district}`],
      '/agreements': ['', `?institutionId=${a.hospital}`, `?institutionId=${a.cc1}`],
      '/bed-board': ['', `?districtId=${a.district}`],
      '/bed-board/programmes': ['', `?districtId=${a.district}`],
      '/reports/kpis': [`?from=${shanghaiDay(-7)}&to=${shanghaiDay(1)}`, `?from=${shanghaiDay(-7)}&to=${shanghaiDay(1)}&institutionId=${a.cc1}&format=csv`],
      '/fhir/Task': ['', `?part-of=Task/${r1}`, `?_count=100`],
      '/fhir/Location': ['', `?organization=Organization/${a.cc1}`],
      '/fhir/Organization': ['', `?name=${encodeURIComponent('江宁路')}`],
      '/fhir/Communication': [`?part-of=Task/${r1}`],
      '/fhir/Patient/:id': ['', `?referralId=${r1}`],
      '/events/stream': ['', `?lastEventId=${replayFrom}`],
    };

    // the same user ids as smallDistrict's clients: a command's status answers only the user who sent it
    const tok = (role: Role, inst: string | null, district: string) => e.token(role, inst, { districtId: district });
    insiders = [
      { name: 'A planner', token: tok('DISCHARGE_PLANNER', a.hospital, a.district) },
      { name: 'A cc1 coordinator', token: tok('COMMUNITY_COORDINATOR', a.cc1, a.district) },
      { name: 'A district coordinator', token: tok('DISTRICT_COORDINATOR', null, a.district) },
      { name: 'A auditor', token: tok('AUDITOR', null, a.district) },
    ];
    foreign = [
      { name: 'A unrelated planner (hospital 2)', token: tok('DISCHARGE_PLANNER', hospital2, a.district), sameDistrict: true },
      { name: 'A unrelated coordinator (cc2)', token: tok('COMMUNITY_COORDINATOR', a.cc2, a.district), sameDistrict: true },
      { name: 'A unrelated care home', token: tok('CARE_HOME_ADMISSIONS', a.care, a.district), sameDistrict: true },
      { name: 'A unrelated family doctor (cc2)', token: tok('FAMILY_DOCTOR', a.cc2, a.district), sameDistrict: true },
      { name: 'B planner', token: tok('DISCHARGE_PLANNER', b.hospital, b.district), sameDistrict: false },
      { name: 'B coordinator', token: tok('COMMUNITY_COORDINATOR', b.cc1, b.district), sameDistrict: false },
      { name: 'B care home', token: tok('CARE_HOME_ADMISSIONS', b.care, b.district), sameDistrict: false },
      { name: 'B family doctor', token: tok('FAMILY_DOCTOR', b.cc1, b.district), sameDistrict: false },
      { name: 'B district coordinator', token: tok('DISTRICT_COORDINATOR', null, b.district), sameDistrict: false },
      { name: 'B auditor', token: tok('AUDITOR', null, b.district), sameDistrict: false },
    ];
  });
  afterAll(async () => {
    await e?.close();
  });

  /** Every URL a route is called with: each path parameter from A's records of its kind, times the route's queries. */
  function urlsOf(path: string): string[] | string {
    let urls = [''];
    const parts = path.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const m = /^(?:[:*](\w+)|\{\*(\w+)\})$/.exec(part);
      const param = m?.[1] ?? m?.[2];
      if (!param) {
        urls = urls.map((u) => `${u}/${part}`);
        continue;
      }
      const segment = parts[i - 1] ?? '';
      const kind = KIND_OF[`${segment}/${param}`] ?? KIND_OF[param] ?? segment;
      const values = ids[kind];
      if (!values?.length) return `no value for :${param} after /${segment}/ (add its kind to KIND_OF and a record of A to ids)`;
      urls = urls.flatMap((u) => values.map((v) => `${u}/${v}`));
    }
    const qs = queries[path] ?? [''];
    return urls.flatMap((u) => qs.map((q) => u + q));
  }

  /** A path parameter's kind, by `segment/param` or by param name; else the segment before it names it. */
  const KIND_OF: Record<string, string> = {
    offerId: 'offers',
    documentId: 'documents',
    districtId: 'districts',
    'Task/id': 'referrals',
    'ServiceRequest/id': 'referrals',
    'Location/id': 'beds',
    'Patient/id': 'patients',
    'Organization/id': 'institutions',
    'DocumentReference/id': 'documents',
    'Communication/id': 'messages',
    'console/path': 'console',
    'fhir/path': 'fhirPath',
    '/path': 'fhirPath',
  };

  interface Answer {
    status: number;
    type: string;
    text: string;
  }

  /** One GET; an event stream is read for `streamMs` (long enough for a replay), then closed. */
  async function get(url: string, token: string, streamMs = 800): Promise<Answer> {
    const ac = new AbortController();
    const res = await fetch(e.baseUrl + url, { headers: { authorization: `Bearer ${token}`, 'x-access-reason': 'read-route leak check' }, signal: ac.signal });
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream')) return { status: res.status, type, text: Buffer.from(await res.arrayBuffer()).toString('utf8') };
    let text = '';
    const reading = (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += dec.decode(chunk, { stream: true });
      } catch {
        /* aborted */
      }
    })();
    await new Promise((r) => setTimeout(r, streamMs));
    ac.abort();
    await reading;
    return { status: res.status, type, text };
  }

  /** A's markers found in an answer to `reader`, except those the reader put in the URL itself (an echoed parameter). */
  function leaked(path: string, url: string, answer: Answer, sameDistrict: boolean): string[] {
    const markers = sameDistrict || path in CITY_WIDE_REGISTRY ? privateMarkers : [...privateMarkers, ...districtMarkers];
    const body = answer.text.toLowerCase();
    return markers.filter((m) => !url.toLowerCase().includes(m.toLowerCase()) && body.includes(m.toLowerCase()));
  }

  it('finds the read routes in the router: REST, FHIR, the event stream and the document download among them', () => {
    const paths = readRoutes(e.api).map((r) => r.path);
    expect(paths.length).toBeGreaterThan(40);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/referrals/:id',
        '/fhir/Task/:id',
        '/fhir/Patient/:id',
        '/events/stream',
        '/referrals/:id/documents/:documentId',
        '/patients/:id/journey',
      ]),
    );
  });

  it('no read route answers another district or an unrelated institution with A’s data', async () => {
    const problems: string[] = [];
    let sent = 0;
    const routes = readRoutes(e.api);
    for (const { path } of routes) {
      const urls = urlsOf(path);
      if (typeof urls === 'string') {
        problems.push(`GET ${path}: ${urls}`);
        continue;
      }
      // the fills must reach A's records: an insider of A reads at least one of the route's URLs with a 2xx
      // (not every one: the path parameters are crossed, and a document belongs to one referral only)
      const seen: string[] = [];
      let reached = path in NO_INSIDER_2XX;
      for (const url of urls) {
        for (const i of reached ? [] : insiders) {
          const r = await get(url, i.token, 200);
          sent++;
          seen.push(`${url} as ${i.name}: ${r.status}${r.status >= 300 ? ` ${r.text.slice(0, 100)}` : ''}`);
          if (r.status < 300) {
            reached = true;
            break;
          }
        }
        for (const f of foreign) {
          const r = await get(url, f.token);
          sent++;
          if (r.status >= 500) problems.push(`GET ${url} as ${f.name}: ${r.status} ${r.text.slice(0, 200)}`);
          const found = leaked(path, url, r, f.sameDistrict);
          if (found.length) problems.push(`GET ${url} as ${f.name}: ${r.status} with A's ${found.join(', ')}: ${r.text.slice(0, 300)}`);
        }
      }
      if (!reached)
        problems.push(`GET ${path}: no insider of A gets a 2xx (${seen.join('; ')}): the fill is wrong, or list the route in NO_INSIDER_2XX with a reason`);
    }
    process.stderr.write(`[read-routes] ${routes.length} read routes, ${sent} requests\n`);
    expect(problems).toEqual([]);
  });

  it('the live event stream tells no foreign reader of what happens in A while it is open', async () => {
    const streams = readRoutes(e.api)
      .map((r) => r.path)
      .filter((p) => p === '/events/stream');
    expect(streams).toEqual(['/events/stream']);
    const url = `${e.baseUrl}/events/stream`;
    const control = await openStream(url, { authorization: `Bearer ${insiders.find((i) => i.name === 'A district coordinator')!.token}` });
    const open = await Promise.all(foreign.map(async (f) => ({ f, s: await openStream(url, { authorization: `Bearer ${f.token}` }) })));
    try {
      // a new referral offered to cc1, a message on the live one, a bed of cc1 closed and reopened
      const [r1] = ids.referrals;
      const patientId = await a.patient();
      const text = `live-${tag}`;
      const draft = await ok(
        a.planner.post('/referrals', {
          patientId,
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'ROUTINE',
          clinicalSummary: `live summary ${tag}`,
          consent: true,
        }),
        'draft',
      );
      await ok(a.planner.post(`/referrals/${draft.referralId}/submit`), 'submit');
      const offer = await ok(a.planner.post(`/referrals/${draft.referralId}/offers`, { targetInstitutionId: a.cc1 }), 'offer');
      await ok(a.planner.post(`/referrals/${r1}/messages`, { targetInstitutionId: a.cc1, text }), 'message');
      await ok(a.cc1c.post(`/beds/${a.cc1Beds[2]}/status`, { command: 'Close', reason: 'maintenance' }), 'close');
      await ok(a.cc1c.post(`/beds/${a.cc1Beds[2]}/status`, { command: 'Reopen', reason: 'done' }), 'reopen');
      privateMarkers.push(draft.referralId, offer.offerId, patientId);
      // A's own district hears all of it: the streams were live
      await eventually(
        async () => control.events.map((x) => `${x.type} ${x.aggregateId}`),
        (seen) => seen.includes(`OfferExtended ${draft.referralId}`) && seen.some((x) => x.startsWith('BedStatusChanged')),
      );
      await new Promise((r) => setTimeout(r, 500));
      const problems: string[] = [];
      for (const { f, s: stream } of open) {
        const body = JSON.stringify({ events: stream.events, comments: stream.comments });
        const found = leaked('/events/stream', '', { status: stream.res.status, type: 'text/event-stream', text: body }, f.sameDistrict);
        if (found.length) problems.push(`live stream of ${f.name} carried A's ${found.join(', ')}: ${body.slice(0, 300)}`);
      }
      expect(problems).toEqual([]);
    } finally {
      await control.close();
      for (const { s: stream } of open) await stream.close();
    }
  });
});
