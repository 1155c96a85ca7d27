import { generateKeyPairSync } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { mintToken, TokenVerifier } from './jwt';

const SECRET = 'a-test-secret-of-at-least-thirty-two-characters';
const claims = { sub: 'u1', role: 'DISCHARGE_PLANNER' as const, inst: '11111111-1111-4111-8111-111111111111', dist: 'd1' };

describe('TokenVerifier', () => {
  it('accepts an HS256 token signed with the secret, many times over (the key is built once)', () => {
    const v = new TokenVerifier({ secret: SECRET });
    const t = mintToken(SECRET, claims);
    for (let i = 0; i < 3; i++) expect(v.verify(t)).toEqual({ userId: 'u1', role: 'DISCHARGE_PLANNER', institutionId: claims.inst, districtId: 'd1' });
  });

  it('refuses another secret, alg none, and an RS256 token when only a secret is configured', () => {
    const v = new TokenVerifier({ secret: SECRET });
    expect(() => v.verify(mintToken(SECRET + 'x', claims))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    const none = jwt.sign(claims, '', { algorithm: 'none' } as jwt.SignOptions);
    expect(() => v.verify(none)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => v.verify(jwt.sign(claims, privateKey, { algorithm: 'RS256' }))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  it('with a public key: accepts RS256 from the matching private key, refuses HS256 signed with the key text', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const v = new TokenVerifier({ secret: SECRET, publicKey: pem });
    expect(v.verify(jwt.sign(claims, privateKey, { algorithm: 'RS256' })).userId).toBe('u1');
    expect(() => v.verify(jwt.sign(claims, pem, { algorithm: 'HS256' }))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => v.verify(mintToken(SECRET, claims))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });
});
