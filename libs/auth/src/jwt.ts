import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { Actor, DomainError, Role, ROLES } from '@bedlink/domain';

export interface TokenClaims {
  sub: string;
  role: Role;
  inst?: string | null;
  dist?: string | null;
  name?: string;
}

/**
 * Verifies bearer tokens by signature: HS256 with the configured secret, or RS256 with a
 * configured public key (a hospital's identity provider). `alg: none` and any algorithm not
 * configured are refused, as are expired or malformed tokens and unknown roles.
 */
export class TokenVerifier {
  /**
   * The key as a KeyObject, built once: given a string, jsonwebtoken first tries to parse it as
   * a public key on EVERY verify (and fails, for a secret), which was a fifth of the API's CPU.
   */
  private readonly key: KeyObject;
  private readonly algorithms: jwt.Algorithm[];

  constructor(private readonly opts: { secret: string; publicKey?: string }) {
    this.key = opts.publicKey ? createPublicKey(opts.publicKey) : createSecretKey(Buffer.from(opts.secret, 'utf8'));
    this.algorithms = opts.publicKey ? ['RS256'] : ['HS256'];
  }

  verify(token: string): Actor {
    let claims: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, this.key, { algorithms: this.algorithms, clockTolerance: 5 });
      if (typeof decoded === 'string') throw new Error('unexpected string payload');
      claims = decoded;
    } catch (e) {
      const why = e instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is not valid';
      throw new DomainError('UNAUTHENTICATED', why);
    }
    const role = claims.role as Role;
    if (typeof claims.sub !== 'string' || !ROLES.includes(role) || role === 'SYSTEM') throw new DomainError('UNAUTHENTICATED', 'the token does not name a user and a known role');
    const isDistrict = role === 'DISTRICT_COORDINATOR' || role === 'AUDITOR';
    if (!isDistrict && typeof claims.inst !== 'string') throw new DomainError('UNAUTHENTICATED', 'the token does not name the institution the user acts for');
    return { userId: claims.sub, role, institutionId: isDistrict ? null : (claims.inst as string), districtId: typeof claims.dist === 'string' ? claims.dist : null };
  }
}

/** Development and test tokens (npm run token, the demo seed, tests). Never used to verify. */
export function mintToken(secret: string, claims: TokenClaims, expiresIn: jwt.SignOptions['expiresIn'] = '12h'): string {
  return jwt.sign({ ...claims }, secret, { algorithm: 'HS256', expiresIn });
}
