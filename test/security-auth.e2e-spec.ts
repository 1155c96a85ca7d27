import { createServer, Server } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client } from './support/http';

jest.setTimeout(120_000);

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('Security: authentication (HS256, RS256 via JWKS, API keys)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let jwks: Server;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'idp-key-1';

  beforeAll(async () => {
    // The hospital's identity provider, simulated by a local JWKS endpoint (no outside network).
    const jwk = { ...idp.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
    const port = (jwks.address() as { port: number }).port;
    e = await startEngine({ env: { JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` } });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
    await new Promise((r) => jwks?.close(r));
  });

  const get = (headers: Record<string, string>) => client(e.baseUrl).get('/referrals', headers);
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const claims = () => ({ sub: 'u-planner', role: 'DISCHARGE_PLANNER', inst: d.hospital, dist: 'd1' });

  it('accepts a valid HS256 token and a valid RS256 token from the JWKS', async () => {
    expect((await get(bearer(e.token('DISCHARGE_PLANNER', d.hospital)))).status).toBe(200);
    const rs = jwt.sign(claims(), idp.privateKey, { algorithm: 'RS256', keyid: kid, expiresIn: '5m' });
    const r = await get(bearer(rs));
    expect(r.status).toBe(200);
  });

  const bad: [string, () => Record<string, string>][] = [
    ['no credentials', () => ({})],
    ['a malformed Authorization header', () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
    ['an expired token', () => bearer(jwt.sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 120 }, e.cfg.JWT_SECRET, { algorithm: 'HS256' }))],
    ['a token signed with the wrong secret', () => bearer(jwt.sign(claims(), 'x'.repeat(48), { algorithm: 'HS256', expiresIn: '5m' }))],
    [
      'an RS256 token signed by a key not in the JWKS',
      () => bearer(jwt.sign(claims(), stranger.privateKey, { algorithm: 'RS256', keyid: kid, expiresIn: '5m' })),
    ],
    ['an RS256 token with an unknown kid', () => bearer(jwt.sign(claims(), stranger.privateKey, { algorithm: 'RS256', keyid: 'forged', expiresIn: '5m' }))],
    ['alg none', () => bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), exp: Math.floor(Date.now() / 1000) + 300 })}.`)],
    [
      'HS256 signed with the RS256 public key as secret (algorithm confusion)',
      () => bearer(jwt.sign(claims(), idp.publicKey.export({ format: 'pem', type: 'spki' }).toString(), { algorithm: 'HS256', expiresIn: '5m' })),
    ],
    ['an algorithm not on the allow-list (HS384)', () => bearer(jwt.sign(claims(), e.cfg.JWT_SECRET, { algorithm: 'HS384', expiresIn: '5m' }))],
    [
      'tampered claims (role changed after signing)',
      () => {
        const [h, , s] = e.token('DISCHARGE_PLANNER', d.hospital).split('.');
        return bearer(`${h}.${b64({ ...claims(), role: 'DISTRICT_COORDINATOR', exp: Math.floor(Date.now() / 1000) + 300 })}.${s}`);
      },
    ],
    ['an unknown role', () => bearer(jwt.sign({ ...claims(), role: 'SUPERUSER' }, e.cfg.JWT_SECRET, { algorithm: 'HS256', expiresIn: '5m' }))],
    ['the SYSTEM role (never over HTTP)', () => bearer(jwt.sign({ ...claims(), role: 'SYSTEM' }, e.cfg.JWT_SECRET, { algorithm: 'HS256', expiresIn: '5m' }))],
    [
      'an institution role without an institution',
      () => bearer(jwt.sign({ sub: 'u', role: 'DISCHARGE_PLANNER' }, e.cfg.JWT_SECRET, { algorithm: 'HS256', expiresIn: '5m' })),
    ],
    ['garbage', () => bearer('not.a.jwt')],
    ['an unknown API key', () => ({ 'x-api-key': `blk_abcdefabcdef_${'A'.repeat(43)}` })],
  ];
  it.each(bad)('refuses %s with 401 UNAUTHENTICATED', async (_name, headers) => {
    const r = await get(headers());
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String) });
  });

  it('API keys: issued once by the district coordinator, scoped to institution + role, usable, listed without the key, revocable', async () => {
    const planner = client(e.baseUrl, e.token('DISCHARGE_PLANNER', d.hospital, { districtId: 'd1' }));
    const denied = await planner.post('/api-keys', { label: 'HIS', role: 'DISCHARGE_PLANNER', institutionId: d.hospital });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('FORBIDDEN');

    const issued = await ok(d.dc.post('/api-keys', { label: 'HIS of the regional centre', role: 'DISCHARGE_PLANNER', institutionId: d.hospital }), 'issue');
    expect(issued.key).toMatch(/^blk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(issued).toMatchObject({ role: 'DISCHARGE_PLANNER', institutionId: d.hospital, districtId: 'd1', revokedAt: null });
    const stored = await e.ds.query(`SELECT * FROM api_keys WHERE id = $1`, [issued.id]);
    // the secret part (base64url, so it may itself hold '_') is in no column
    expect(JSON.stringify(stored)).not.toContain(issued.key.split('_').slice(2).join('_'));

    // the machine client acts as the hospital's discharge planner, and nothing more
    const his = client(e.baseUrl);
    const key = { 'x-api-key': issued.key };
    expect((await his.get('/referrals', key)).status).toBe(200);
    const patient = await his.post('/patients', { residentId: '11010519491231002X', name: '接口患者', phone: '13900000000' }, key);
    expect(patient.status).toBe(201);
    const foreign = await his.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'W', label: 'x1' }, key);
    expect(foreign.status).toBe(403);
    expect((await his.get('/referrals', { ...key, authorization: `Bearer ${e.token('DISCHARGE_PLANNER', d.hospital)}` })).status).toBe(401);

    const list = await ok(d.dc.get('/api-keys'), 'list');
    const row = list.find((k: any) => k.id === issued.id);
    expect(row.key).toBeUndefined();
    expect(row.lastUsedAt).not.toBeNull();

    await ok(d.dc.post(`/api-keys/${issued.id}/revoke`), 'revoke');
    const after = await his.get('/referrals', key);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
    expect((await d.dc.post(`/api-keys/${randomUUID()}/revoke`)).status).toBe(404);
  });
});
