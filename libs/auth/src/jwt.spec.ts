import { generateKeyPairSync } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenVerifier } from './jwt';

const secret = 's'.repeat(40);
const claims = { sub: 'u1', role: 'DISCHARGE_PLANNER', inst: '5f0c5a0e-0000-4000-8000-000000000001' };

/** A folder for a JWKS file, removed after the suite (each run left two in the temp folder). */
const dirs: string[] = [];
const jwksDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('TokenVerifier', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();

  it('verifies RS256 with a configured PEM public key, alongside HS256', async () => {
    const v = new TokenVerifier({ secret, publicKey: pem });
    await expect(v.verify(jwt.sign(claims, pair.privateKey, { algorithm: 'RS256', expiresIn: '1m' }))).resolves.toMatchObject({
      userId: 'u1',
      role: 'DISCHARGE_PLANNER',
    });
    await expect(v.verify(jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: '1m' }))).resolves.toMatchObject({ userId: 'u1' });
  });

  it('refuses HS256 signed with the public key (algorithm confusion) and RS256 when no key is configured', async () => {
    const v = new TokenVerifier({ secret, publicKey: pem });
    await expect(v.verify(jwt.sign(claims, pem, { algorithm: 'HS256' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const hsOnly = new TokenVerifier({ secret });
    await expect(hsOnly.verify(jwt.sign(claims, pair.privateKey, { algorithm: 'RS256' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('verifies RS256 against a JWKS file, picking the key by kid', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = jwksDir();
    const file = join(dir, 'jwks.json');
    writeFileSync(
      file,
      JSON.stringify({
        keys: [
          { ...other.publicKey.export({ format: 'jwk' }), kid: 'a' },
          { ...pair.publicKey.export({ format: 'jwk' }), kid: 'b' },
        ],
      }),
    );
    const v = new TokenVerifier({ secret, jwksFile: file });
    await expect(v.verify(jwt.sign(claims, pair.privateKey, { algorithm: 'RS256', keyid: 'b', expiresIn: '1m' }))).resolves.toMatchObject({ userId: 'u1' });
    await expect(v.verify(jwt.sign(claims, pair.privateKey, { algorithm: 'RS256', keyid: 'a' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  describe('verified tokens taken again without their signature checked', () => {
    afterEach(() => jest.useRealTimers());

    it('still refuses a cached token once it expires', async () => {
      jest.useFakeTimers({ now: Date.parse('2026-12-01T15:59:50Z'), doNotFake: ['nextTick', 'setImmediate'] });
      const v = new TokenVerifier({ secret });
      const token = jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: '10s' }); // midnight in Shanghai
      await expect(v.verify(token)).resolves.toMatchObject({ userId: 'u1' });
      jest.setSystemTime(Date.parse('2026-12-01T16:00:04Z')); // inside the 5 s leeway
      await expect(v.verify(token)).resolves.toMatchObject({ userId: 'u1' });
      jest.setSystemTime(Date.parse('2026-12-01T16:00:06Z'));
      await expect(v.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'the token has expired' });
    });

    it('checks the signature again after verifiedCacheMs: a key withdrawn from the JWKS stops its tokens', async () => {
      jest.useFakeTimers({ now: Date.parse('2026-12-01T08:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
      const dir = jwksDir();
      const file = join(dir, 'jwks.json');
      writeFileSync(file, JSON.stringify({ keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1' }] }));
      const v = new TokenVerifier({ secret, jwksFile: file, jwksCacheMs: 1_000, verifiedCacheMs: 30_000 });
      const token = jwt.sign(claims, pair.privateKey, { algorithm: 'RS256', keyid: 'k1', expiresIn: '1h' });
      await expect(v.verify(token)).resolves.toMatchObject({ userId: 'u1' });
      writeFileSync(file, JSON.stringify({ keys: [] }));
      jest.setSystemTime(Date.parse('2026-12-01T08:00:20Z'));
      await expect(v.verify(token)).resolves.toMatchObject({ userId: 'u1' });
      jest.setSystemTime(Date.parse('2026-12-01T08:00:31Z'));
      await expect(v.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('never takes a token that differs from a verified one, however little', async () => {
      const v = new TokenVerifier({ secret });
      const token = jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: '1m' });
      await v.verify(token);
      const [h, p, sig] = token.split('.');
      const forged = Buffer.from(JSON.stringify({ ...claims, role: 'DISTRICT_COORDINATOR', dist: 'd1', exp: 4102444800 })).toString('base64url');
      await expect(v.verify(`${h}.${forged}.${sig}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
      await expect(v.verify(`${h}.${p}.${flipped}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(v.verify(`${token}.`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('hands each caller its own actor: changing one does not change what the next request gets', async () => {
      const v = new TokenVerifier({ secret });
      const token = jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: '1m' });
      const first = (await v.verify(token)) as { institutionId: string | null };
      first.institutionId = 'someone-else';
      await expect(v.verify(token)).resolves.toMatchObject({ institutionId: claims.inst });
    });

    it('keeps at most verifiedMax tokens, the oldest out first, and keeps verifying beyond', async () => {
      const v = new TokenVerifier({ secret, verifiedMax: 3 });
      const tokens = Array.from({ length: 4 }, (_, i) => jwt.sign({ ...claims, sub: `u${i}` }, secret, { algorithm: 'HS256', expiresIn: '1m' }));
      for (const t of tokens) await v.verify(t);
      const kept = (v as unknown as { verified: Map<string, unknown> }).verified;
      expect([...kept.keys()]).toEqual(tokens.slice(1));
      await expect(v.verify(tokens[0])).resolves.toMatchObject({ userId: 'u0' });
      expect([...kept.keys()]).toEqual([tokens[2], tokens[3], tokens[0]]);
    });
  });
});
