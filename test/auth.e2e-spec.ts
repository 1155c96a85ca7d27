import { generateSync } from 'otplib';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

jest.setTimeout(180_000);

/** A cookie jar of one: what a browser would send back, nothing more. */
interface Browser {
  cookies: Map<string, string>;
  csrf?: string;
}
const jar = (): Browser => ({ cookies: new Map() });

/**
 * Sign-in for people: accounts administered by the district, Argon2id passwords, lockout, TOTP,
 * session cookies with CSRF protection; and the attacks a stranger would try first.
 */
describe('sign-in: accounts, sessions, lockout and their attacks', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const PASSWORD = 'correct horse battery';

  beforeAll(async () => {
    e = await startEngine({ env: { LOGIN_MAX_FAILURES: '5', LOGIN_LOCK_MINUTES: '15', SSE_RECHECK_MS: '200' } });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  /** One request as a browser would make it: the jar's cookies go along, Set-Cookie comes back into the jar. */
  async function call(b: Browser, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(e.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [k, v] = [pair.slice(0, pair.indexOf('=')), decodeURIComponent(pair.slice(pair.indexOf('=') + 1))];
      if (attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || v === '') b.cookies.delete(k);
      else b.cookies.set(k, v);
    }
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (parsed?.csrfToken) b.csrf = parsed.csrfToken;
    return { status: res.status, body: parsed, headers: res.headers };
  }
  const login = (b: Browser, username: string, password = PASSWORD, totp?: string) =>
    call(b, 'POST', '/auth/login', { username, password, ...(totp ? { totp } : {}) });
  const write = (b: Browser, path: string, body: unknown = {}, headers: Record<string, string> = {}) =>
    call(b, 'POST', path, body, { ...(b.csrf ? { 'x-csrf-token': b.csrf } : {}), ...headers });

  let seq = 0;
  async function account(role: string, extra: Record<string, unknown> = {}) {
    const username = `user${++seq}.${role.toLowerCase().slice(0, 6)}`;
    const body = { username, displayName: `用户${seq}`, role, password: PASSWORD, ...extra };
    const out = await ok(d.dc.post('/users', body), 'create account');
    return { id: out.id as string, username };
  }

  it('the district creates an account; the person signs in, reads and writes with the CSRF token; the audit holds no hash', async () => {
    const a = await account('COMMUNITY_COORDINATOR', { institutionId: d.cc1 });
    const b = jar();
    const r = await login(b, `  ${a.username.toUpperCase()} `);
    expect(r.status).toBe(200);
    expect(r.body.actor).toMatchObject({ userId: a.username, role: 'COMMUNITY_COORDINATOR', institutionId: d.cc1, districtId: 'd1' });
    const set = r.headers.getSetCookie().find((c) => c.startsWith('bl_session='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect((await call(b, 'GET', '/auth/session')).body.actor.userId).toBe(a.username);
    expect((await call(b, 'GET', `/institutions/${d.cc1}/inbox`)).status).toBe(200);
    const bed = await write(b, '/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Auth', label: 'a-1' });
    expect(bed.status).toBe(201);
    // the command is recorded under the person's username; no password hash anywhere in the trail
    const trail = await e.ds.query(
      `SELECT actor_user AS actor_id FROM audit_log WHERE event_type IN ('UserAccountCreated','BedRegistered') ORDER BY seq DESC LIMIT 5`,
    );
    expect(trail.map((t: any) => t.actor_id)).toContain(a.username);
    const all = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE payload::text LIKE '%argon2%'`);
    expect(all[0].n).toBe(0);
    const outbox = await e.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE payload::text LIKE '%argon2%'`);
    expect(outbox[0].n).toBe(0);
  });

  it('CSRF: a write with the session cookie but without the token, or from another origin or site, is refused and changes nothing', async () => {
    const a = await account('COMMUNITY_COORDINATOR', { institutionId: d.cc1 });
    const b = jar();
    await login(b, a.username);
    const body = { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'CSRF', label: 'x' };
    const noToken = await call(b, 'POST', '/beds', body);
    expect([noToken.status, noToken.body.code]).toEqual([403, 'CSRF_FAILED']);
    const otherOrigin = await write(b, '/beds', body, { origin: 'https://evil.example' });
    expect([otherOrigin.status, otherOrigin.body.code]).toEqual([403, 'CSRF_FAILED']);
    const crossSite = await write(b, '/beds', body, { 'sec-fetch-site': 'cross-site' });
    expect([crossSite.status, crossSite.body.code]).toEqual([403, 'CSRF_FAILED']);
    // a token of another session does not fit this one
    const other = jar();
    await login(other, a.username);
    const foreignToken = await call(b, 'POST', '/beds', body, { 'x-csrf-token': other.csrf! });
    expect([foreignToken.status, foreignToken.body.code]).toEqual([403, 'CSRF_FAILED']);
    const beds = await e.ds.query(`SELECT count(*)::int AS n FROM beds WHERE ward = 'CSRF'`);
    expect(beds[0].n).toBe(0);
    expect((await write(b, '/beds', body, { origin: e.baseUrl })).status).toBe(201);
  });

  it('lockout: five failures lock the name however it is spelt, even for the right password, and parallel guesses stop at the limit', async () => {
    const a = await account('DISCHARGE_PLANNER', { institutionId: d.hospital });
    const spellings = [a.username, a.username.toUpperCase(), ` ${a.username}`, `${a.username}\t`, `\u3000${a.username}`];
    for (const s of spellings) expect((await login(jar(), s, 'wrong password 1')).body.code).toBe('UNAUTHENTICATED');
    const locked = await login(jar(), a.username, PASSWORD);
    expect([locked.status, locked.body.code]).toEqual([423, 'ACCOUNT_LOCKED']);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // the district unlocks it with a new password
    const reset = await ok(d.dc.post(`/users/${a.id}/reset-password`, { password: 'a brand new passphrase' }), 'reset');
    expect(reset.username).toBe(a.username);
    expect((await login(jar(), a.username, 'a brand new passphrase')).status).toBe(200);

    // ten guesses at once: the counter is taken before the check, so at most five are ever checked
    const b = await account('DISCHARGE_PLANNER', { institutionId: d.hospital });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => login(jar(), b.username, `guess ${i} wrong`)));
    const codes = answers.map((r) => r.body.code);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 'ACCOUNT_LOCKED').length).toBeGreaterThanOrEqual(5);
  });

  it('an unknown username is answered, throttled and locked exactly like a known one', async () => {
    const a = await account('DISCHARGE_PLANNER', { institutionId: d.hospital });
    const ghost = `ghost${Date.now()}`;
    const known = await login(jar(), a.username, 'wrong password');
    const unknown = await login(jar(), ghost, 'wrong password');
    expect([unknown.status, unknown.body]).toEqual([known.status, known.body]);
    for (let i = 0; i < 5; i++) await login(jar(), ghost, 'wrong password');
    expect((await login(jar(), ghost, 'wrong password')).body.code).toBe('ACCOUNT_LOCKED');
  });

  it('timing: an unknown user costs the same Argon2 work as a wrong password (relative, measured side by side)', async () => {
    // Interleaved samples in the same conditions; without the dummy verification an unknown user
    // answered ~30x faster. The bound is loose so load on the machine cannot fail it.
    const users = [await account('AUDITOR'), await account('AUDITOR')];
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      let t = performance.now();
      await login(jar(), users[i % 2].username, `wrong ${i}`);
      known.push(performance.now() - t);
      t = performance.now();
      await login(jar(), `nobody-${i}-${Date.now()}`, `wrong ${i}`);
      unknown.push(performance.now() - t);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    expect(median(unknown) / median(known)).toBeGreaterThan(0.4);
  });

  it('session fixation: a session id the browser brought is never adopted, and signing in ends the old session', async () => {
    const a = await account('COMMUNITY_COORDINATOR', { institutionId: d.cc2 });
    const b = jar();
    const planted = 'A'.repeat(43);
    b.cookies.set('bl_session', planted);
    expect((await call(b, 'GET', '/auth/session')).status).toBe(401);
    await login(b, a.username);
    const first = b.cookies.get('bl_session')!;
    expect(first).not.toBe(planted);
    await login(b, a.username);
    const second = b.cookies.get('bl_session')!;
    expect(second).not.toBe(first);
    const stale = jar();
    stale.cookies.set('bl_session', first);
    expect((await call(stale, 'GET', '/auth/session')).status).toBe(401);
    expect((await call(b, 'GET', '/auth/session')).status).toBe(200);
  });

  it('a disabled user: the live session and its event stream end at once; enabling does not revive old sessions', async () => {
    const a = await account('COMMUNITY_COORDINATOR', { institutionId: d.cc1 });
    const b = jar();
    await login(b, a.username);
    const cookie = `bl_session=${b.cookies.get('bl_session')}`;
    const stream = await fetch(`${e.baseUrl}/events/stream`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const ended = (async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += new TextDecoder().decode(value);
        if (text.includes('event: end')) return text;
      }
    })();
    await ok(d.dc.post(`/users/${a.id}/disable`, { reason: '离职' }), 'disable');
    expect((await call(b, 'GET', '/auth/session')).status).toBe(401);
    expect(await ended).toContain('event: end');
    expect((await login(jar(), a.username)).body.code).toBe('UNAUTHENTICATED');
    await ok(d.dc.post(`/users/${a.id}/enable`), 'enable');
    expect((await call(b, 'GET', '/auth/session')).status).toBe(401);
    expect((await login(jar(), a.username)).status).toBe(200);
  });

  it('password change ends other sessions and keeps this browser signed in; TOTP then guards the sign-in', async () => {
    const a = await account('CARE_HOME_ADMISSIONS', { institutionId: d.care });
    const b = jar();
    const elsewhere = jar();
    await login(b, a.username);
    await login(elsewhere, a.username);
    const weak = await write(b, '/auth/password', { currentPassword: PASSWORD, newPassword: 'short' });
    expect(weak.body.code).toBe('VALIDATION_FAILED');
    const wrong = await write(b, '/auth/password', { currentPassword: 'not it at all', newPassword: 'my new long passphrase' });
    expect(wrong.body.code).toBe('VALIDATION_FAILED');
    const changed = await write(b, '/auth/password', { currentPassword: PASSWORD, newPassword: 'my new long passphrase' });
    expect(changed.status).toBe(200);
    expect((await call(b, 'GET', '/auth/session')).status).toBe(200);
    expect((await call(elsewhere, 'GET', '/auth/session')).status).toBe(401);
    expect((await login(jar(), a.username)).status).toBe(401);

    const setup = await write(b, '/auth/totp/setup');
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\//);
    expect((await write(b, '/auth/totp/enable', { pending: setup.body.pending, code: '000000' })).body.code).toBe('VALIDATION_FAILED');
    const on = await write(b, '/auth/totp/enable', { pending: setup.body.pending, code: generateSync({ secret: setup.body.secret }) });
    expect(on.body.totp).toBe(true);
    const needs = await login(jar(), a.username, 'my new long passphrase');
    expect([needs.status, needs.body.code]).toEqual([401, 'TOTP_REQUIRED']);
    expect((await login(jar(), a.username, 'my new long passphrase', '123456')).body.code).toBe('UNAUTHENTICATED');
    expect((await login(jar(), a.username, 'my new long passphrase', generateSync({ secret: setup.body.secret }))).status).toBe(200);
    // someone else's pending setup does not fit
    const other = await account('CARE_HOME_ADMISSIONS', { institutionId: d.care });
    const ob = jar();
    await login(ob, other.username);
    expect((await write(ob, '/auth/totp/enable', { pending: setup.body.pending, code: generateSync({ secret: setup.body.secret }) })).body.code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('administration stays in the district: another district and institution roles are refused; two creates of one name race to one', async () => {
    const foreign = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd2' }));
    const mine = await account('AUDITOR');
    expect((await foreign.post(`/users/${mine.id}/disable`)).status).toBe(403);
    expect(
      (await foreign.post('/users', { username: 'intruder', displayName: 'x', role: 'DISCHARGE_PLANNER', institutionId: d.hospital, password: PASSWORD }))
        .status,
    ).toBe(403);
    expect((await foreign.get('/users')).body.some((u: any) => u.id === mine.id)).toBe(false);
    expect((await d.cc1c.get('/users')).status).toBe(403);
    expect((await d.dc.get('/users')).body.find((u: any) => u.id === mine.id)).toMatchObject({ username: mine.username, disabled: false });
    const body = { username: `twin${Date.now()}`, displayName: 'twin', role: 'AUDITOR', password: PASSWORD };
    const [x, y] = await Promise.all([d.dc.post('/users', body), d.dc.post('/users', { ...body, username: body.username.toUpperCase() })]);
    expect([x.status, y.status].sort()).toEqual([201, 409]);
    expect((await d.dc.post(`/users/${mine.id}/disable`, { reason: 42 })).status).toBe(400);
  });

  it('machines keep their credentials: bearer tokens and API keys work with no cookie and need no CSRF token', async () => {
    const key = await ok(d.dc.post('/api-keys', { label: 'his', role: 'COMMUNITY_COORDINATOR', institutionId: d.cc1 }), 'key');
    const byKey = await client(e.baseUrl).post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Key', label: 'k-1' }, { 'x-api-key': key.key });
    expect(byKey.status).toBe(201);
    const who = await client(e.baseUrl).get('/auth/session', { 'x-api-key': key.key });
    expect(who.body.via).toBe('TOKEN');
    // a bearer token wins over a stale cookie: a machine behind a browser-like client is not logged out by it
    const r = await client(e.baseUrl, e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: 'd1' })).get(`/institutions/${d.cc1}/inbox`, {
      cookie: 'bl_session=' + 'B'.repeat(43),
    });
    expect(r.status).toBe(200);
    await eventually(
      async () => (await client(e.baseUrl).post('/auth/logout')).status,
      (s) => s === 204,
    );
  });
});
