import { createServer, Server } from 'node:http';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { Engine, startEngine } from '../support/engine';
import { ok, smallDistrict } from '../support/fixture';
import { client } from '../support/http';

jest.setTimeout(180_000);

const ISSUER = 'https://idp.example-hospital.test';
const AUDIENCE = 'bedlink-api';
const now = () => Math.floor(Date.now() / 1000);

/**
 * Attacks on tokens and keys: claims missing from a token never widen its scope, RS256 tokens are
 * bound to an expiry, an issuer and an audience, API keys expire and stay in their district, and
 * credential changes are audited commands whose secrets never reach Postgres' logs or Redis.
 */
describe('Attacks: tokens and keys', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let d2: Awaited<ReturnType<typeof smallDistrict>>;
  let jwks: Server;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'idp-1';

  beforeAll(async () => {
    const jwk = { ...idp.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
    jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
    const port = (jwks.address() as { port: number }).port;
    e = await startEngine({
      env: { JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
    });
    d = await smallDistrict(e, 'd1');
    d2 = await smallDistrict(e, 'd2');
  });
  afterAll(async () => {
    await e?.close();
    await new Promise((r) => jwks?.close(r));
  });

  const hs = (claims: object, opts: jwt.SignOptions = { expiresIn: '5m' }) => jwt.sign(claims, e.cfg.JWT_SECRET, { algorithm: 'HS256', ...opts });
  const rs = (claims: object, opts: jwt.SignOptions = {}) => jwt.sign(claims, idp.privateKey, { algorithm: 'RS256', keyid: kid, ...opts });
  const as = (token: string) => client(e.baseUrl, token);
  const expect401 = (r: { status: number; body: any }, mention?: RegExp) => {
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('UNAUTHENTICATED');
    if (mention) expect(r.body.message).toMatch(mention);
  };

  describe('missing claims refuse, never "the whole city"', () => {
    it.each(['DISTRICT_COORDINATOR', 'AUDITOR'])('a %s token without a district claim is 401 naming the claim', async (role) => {
      const t = hs({ sub: `no-dist-${role}`, role });
      expect401(await as(t).get('/referrals'), /dist/);
      // and it cannot act on any district's registry either
      expect401(
        await as(t).post('/institutions', {
          code: `X-${randomUUID().slice(0, 6)}`,
          name: 'x',
          type: 'COMMUNITY_HEALTH_CENTRE',
          districtId: 'd2',
          lat: 31.2,
          lng: 121.4,
          services: [],
        }),
        /dist/,
      );
    });

    it('an empty district claim is refused like a missing one', async () => {
      expect401(await as(hs({ sub: 'empty-dist', role: 'DISTRICT_COORDINATOR', dist: '' })).get('/referrals'), /dist/);
    });

    it('an institution role without an institution claim is 401 naming the claim', async () => {
      expect401(await as(hs({ sub: 'no-inst', role: 'COMMUNITY_COORDINATOR', dist: 'd1' })).get('/referrals'), /inst/);
    });

    it('an API key row of a district role without a district is refused', async () => {
      const issued = await ok(d.dc.post('/api-keys', { label: 'tampered', role: 'AUDITOR' }), 'issue');
      // a row written by hand (or by an older version) without its district claim
      await e.ds.query(`UPDATE api_keys SET district_id = NULL WHERE id = $1`, [issued.id]);
      expect401(await client(e.baseUrl).get('/referrals', { 'x-api-key': issued.key }));
    });
  });

  describe('RS256 tokens: exp, iss and aud', () => {
    const good = () => ({ sub: 'u-rs', role: 'DISCHARGE_PLANNER', inst: d.hospital, dist: 'd1' });
    it('a well-formed IdP token is accepted', async () => {
      expect((await as(rs(good(), { expiresIn: '5m', issuer: ISSUER, audience: AUDIENCE })).get('/referrals')).status).toBe(200);
    });
    const bad: [string, () => string][] = [
      ['without exp', () => rs(good(), { issuer: ISSUER, audience: AUDIENCE })],
      ['without iss', () => rs(good(), { expiresIn: '5m', audience: AUDIENCE })],
      ['from another issuer', () => rs(good(), { expiresIn: '5m', issuer: 'https://evil.test', audience: AUDIENCE })],
      ['without aud', () => rs(good(), { expiresIn: '5m', issuer: ISSUER })],
      ['for another audience', () => rs(good(), { expiresIn: '5m', issuer: ISSUER, audience: 'some-other-app' })],
    ];
    it.each(bad)('an RS256 token %s is 401', async (_n, t) => expect401(await as(t()).get('/referrals')));

    it('an HS256 token without exp is 401 too (dev tokens expire)', async () => {
      expect401(await as(hs({ sub: 'forever', role: 'DISCHARGE_PLANNER', inst: d.hospital, dist: 'd1' }, {})).get('/referrals'), /exp/);
      expect401(await as(hs({ sub: 'forever', role: 'DISCHARGE_PLANNER', inst: d.hospital, dist: 'd1', exp: now() - 60 }, {})).get('/referrals'));
    });
  });

  describe('API keys: expiry, district scope, audited issue and revoke', () => {
    it('a new key expires (90 days by default, no more than the configured maximum); an expired key is 401', async () => {
      const issued = await ok(d.dc.post('/api-keys', { label: 'HIS', role: 'DISCHARGE_PLANNER', institutionId: d.hospital }), 'issue');
      const days = (Date.parse(issued.expiresAt) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(89);
      expect(days).toBeLessThanOrEqual(90.01);
      const short = await ok(d.dc.post('/api-keys', { label: 'short', role: 'DISCHARGE_PLANNER', institutionId: d.hospital, expiresInDays: 7 }), 'issue');
      expect((Date.parse(short.expiresAt) - Date.now()) / 86_400_000).toBeCloseTo(7, 1);
      const tooLong = await d.dc.post('/api-keys', { label: 'forever', role: 'DISCHARGE_PLANNER', institutionId: d.hospital, expiresInDays: 100_000 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.code).toBe('VALIDATION_FAILED');

      const his = client(e.baseUrl);
      expect((await his.get('/referrals', { 'x-api-key': issued.key })).status).toBe(200);
      // time passes: the key's expiry is now behind us
      await e.ds.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [issued.id]);
      expect401(await his.get('/referrals', { 'x-api-key': issued.key }));
      const listed = (await ok(d.dc.get('/api-keys'), 'list')).find((k: any) => k.id === issued.id);
      expect(listed.expiresAt).toBeDefined();
      expect(listed.key).toBeUndefined();
    });

    it("a district coordinator cannot issue keys for another district's institution nor revoke its keys (403)", async () => {
      const foreign = await d.dc.post('/api-keys', { label: 'grab', role: 'DISCHARGE_PLANNER', institutionId: d2.hospital });
      expect(foreign.status).toBe(403);
      expect(foreign.body.code).toBe('FORBIDDEN');
      const foreignDistrict = await d.dc.post('/api-keys', { label: 'grab', role: 'AUDITOR', districtId: 'd2' });
      expect(foreignDistrict.status).toBe(403);
      const theirs = await ok(d2.dc.post('/api-keys', { label: 'd2 HIS', role: 'DISCHARGE_PLANNER', institutionId: d2.hospital }), 'issue');
      const revoke = await d.dc.post(`/api-keys/${theirs.id}/revoke`);
      expect(revoke.status).toBe(403);
      expect((await client(e.baseUrl).get('/referrals', { 'x-api-key': theirs.key })).status).toBe(200);
      expect((await ok(d.dc.get('/api-keys'), 'list')).map((k: any) => k.id)).not.toContain(theirs.id);
    });

    it('issue and revoke are audited commands; the secret is in the answer only, never in audit, outbox, command_log or Redis', async () => {
      const issued = await d.dc.post('/api-keys', { label: 'audited', role: 'DISCHARGE_PLANNER', institutionId: d.hospital });
      expect(issued.status).toBe(201);
      const key: string = issued.body.key;
      // blk_<prefix>_<secret>: the base64url secret may itself contain '_'.
      const secret = key.slice(key.indexOf('_', 4) + 1);
      expect(secret).toHaveLength(43);
      const hash = createHash('sha256').update(key).digest('hex');
      const commandId = issued.headers.get('x-command-id');
      expect(commandId).toBeTruthy();

      await ok(d.dc.post(`/api-keys/${issued.body.id}/revoke`), 'revoke');
      const audit = await e.ds.query(`SELECT event_type, actor_user, actor_role, payload::text FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [
        issued.body.id,
      ]);
      expect(audit.map((a: any) => a.event_type)).toEqual(['ApiKeyIssued', 'ApiKeyRevoked']);
      expect(audit[0].actor_role).toBe('DISTRICT_COORDINATOR');
      const outbox = await e.ds.query(`SELECT payload::text, metadata::text FROM outbox WHERE aggregate_id = $1`, [issued.body.id]);
      expect(outbox).toHaveLength(2);
      const logged = await e.ds.query(`SELECT result::text FROM command_log WHERE id = $1`, [commandId]);
      expect(logged).toHaveLength(1);
      for (const text of [JSON.stringify(audit), JSON.stringify(outbox), JSON.stringify(logged)]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(hash);
      }
      expect(await redisContains(secret)).toBe(false);
      expect((await client(e.baseUrl).get('/referrals', { 'x-api-key': key })).status).toBe(401);
    });
  });

  describe('webhook subscriptions are audited commands', () => {
    it('create and delete leave an audit record and outbox row each; the signing secret is in the answer only', async () => {
      const created = await d.cc1c.post('/webhooks', { url: 'http://127.0.0.1:9/hook', description: 'audited' });
      expect(created.status).toBe(201);
      const secret: string = created.body.secret;
      expect(secret).toMatch(/^whsec_/);
      const id = created.body.id;
      expect((await d.cc2c.raw('DELETE', `/webhooks/${id}`)).status).toBe(404); // not disclosed to another institution
      expect((await d.cc1c.raw('DELETE', `/webhooks/${id}`)).status).toBe(204);
      expect((await d.cc1c.raw('DELETE', `/webhooks/${id}`)).status).toBe(404);
      const audit = await e.ds.query(`SELECT event_type, actor_user, payload::text FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [id]);
      expect(audit.map((a: any) => a.event_type)).toEqual(['WebhookSubscriptionCreated', 'WebhookSubscriptionDeleted']);
      const outbox = await e.ds.query(`SELECT payload::text FROM outbox WHERE aggregate_id = $1`, [id]);
      expect(outbox).toHaveLength(2);
      const logged = await e.ds.query(`SELECT result::text FROM command_log WHERE id = $1`, [created.headers.get('x-command-id')]);
      expect(logged).toHaveLength(1);
      for (const text of [JSON.stringify(audit), JSON.stringify(outbox), JSON.stringify(logged)]) expect(text).not.toContain(secret.slice(6));
      expect(await redisContains(secret.slice(6))).toBe(false);
    });
  });

  /** Every key of this engine's queue prefix, whatever its type, searched for the string. */
  async function redisContains(needle: string): Promise<boolean> {
    const r = e.redis();
    const keys = await r.keys(`${e.cfg.QUEUE_PREFIX}:*`);
    for (const k of keys) {
      const type = await r.type(k);
      let dump = '';
      if (type === 'hash') dump = JSON.stringify(await r.hgetall(k));
      else if (type === 'string') dump = (await r.get(k)) ?? '';
      else if (type === 'list') dump = JSON.stringify(await r.lrange(k, 0, -1));
      else if (type === 'zset') dump = JSON.stringify(await r.zrange(k, 0, -1));
      else if (type === 'set') dump = JSON.stringify(await r.smembers(k));
      else if (type === 'stream') dump = JSON.stringify(await r.xrange(k, '-', '+'));
      if (dump.includes(needle)) return true;
    }
    return false;
  }
});
