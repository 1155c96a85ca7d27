import { generateKeyPairSync } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenVerifier } from './jwt';

const secret = 's'.repeat(40);
const claims = { sub: 'u1', role: 'DISCHARGE_PLANNER', inst: '5f0c5a0e-0000-4000-8000-000000000001' };

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
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
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
});
