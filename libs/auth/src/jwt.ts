import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as jwt from 'jsonwebtoken';
import { Actor, DISTRICT_ROLES, DomainError, Role, ROLES } from '@bedlink/domain';

export interface TokenClaims {
  sub: string;
  role: Role;
  inst?: string | null;
  dist?: string | null;
  name?: string;
}

export interface TokenVerifierOptions {
  /** HS256 shared secret (our own tokens: npm run token, the seed, tests). Always accepted. */
  secret: string;
  /** RS256 public key (PEM) of a hospital's identity provider. */
  publicKey?: string;
  /** RS256 keys as a JWKS document served at this URL (fetched on demand, cached, re-fetched for an unknown kid). */
  jwksUrl?: string;
  /** RS256 keys as a JWKS document in a file (air-gapped deployments). */
  jwksFile?: string;
  /** How long fetched JWKS keys are trusted before a refresh (ms). */
  jwksCacheMs?: number;
  /** Required `iss` of RS256 tokens (the IdP); when set, a token without it or from another issuer is refused. */
  issuer?: string;
  /** Required `aud` of RS256 tokens; when set, a token without it or for another audience is refused. */
  audience?: string;
  /** How long a verified token is taken again without checking its signature (ms; 0: never). */
  verifiedCacheMs?: number;
  /** Verified tokens kept at most (5,000: a user holds one at a time, and a district's active users fit many times over). */
  verifiedMax?: number;
}

/** Leeway on exp and nbf for clocks a little apart (s), the same for a token checked or taken from the cache. */
const CLOCK_TOLERANCE_S = 5;

interface Jwk {
  kty: string;
  kid?: string;
  use?: string;
  alg?: string;
  [k: string]: unknown;
}

/**
 * A JWKS key set from a URL or a file. Keys are cached; an unknown `kid` triggers at most one
 * refresh per 10 s so a flood of forged kids cannot turn the API into a fetch amplifier.
 */
export class JwksKeySet {
  private keys = new Map<string, KeyObject>();
  private loadedAt = 0;
  private lastAttempt = 0;
  private inflight?: Promise<void>;

  constructor(
    private readonly source: { url?: string; file?: string },
    private readonly cacheMs = 10 * 60_000,
  ) {}

  private async load(): Promise<void> {
    this.lastAttempt = Date.now();
    let doc: { keys?: Jwk[] };
    if (this.source.file) doc = JSON.parse(readFileSync(this.source.file, 'utf8'));
    else {
      const res = await fetch(this.source.url as string, { signal: AbortSignal.timeout(3000) });
      if (!res.ok) throw new Error(`JWKS fetch failed: ${res.status}`);
      doc = (await res.json()) as { keys?: Jwk[] };
    }
    const next = new Map<string, KeyObject>();
    for (const k of doc.keys ?? []) {
      if (k.kty !== 'RSA' || (k.use && k.use !== 'sig') || (k.alg && k.alg !== 'RS256')) continue;
      try {
        next.set(k.kid ?? '', createPublicKey({ key: k as any, format: 'jwk' }));
      } catch {
        /* a malformed key in the set is skipped, not fatal */
      }
    }
    this.keys = next;
    this.loadedAt = Date.now();
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  async key(kid: string | undefined): Promise<KeyObject | undefined> {
    const id = kid ?? '';
    const stale = Date.now() - this.loadedAt > this.cacheMs;
    if (stale || (!this.keys.has(id) && Date.now() - this.lastAttempt > 10_000)) await this.refresh().catch(() => undefined);
    return this.keys.get(id) ?? (kid === undefined && this.keys.size === 1 ? [...this.keys.values()][0] : undefined);
  }
}

/**
 * Verifies bearer tokens by signature: HS256 with the configured secret, and RS256 with a
 * configured public key or JWKS (a hospital's identity provider). The algorithm comes from the
 * token header but is checked against an allow-list and bound to the key type: `alg: none`, HS256
 * signed with the RSA public key as secret, and any other algorithm are refused, as are expired
 * or malformed tokens and unknown roles.
 */
export class TokenVerifier {
  private readonly rsaKey?: KeyObject;
  private readonly jwks?: JwksKeySet;

  /**
   * The HS256 secret as a KeyObject, built once: given a string, jsonwebtoken first tries to
   * parse it as a public key on every verify, which was a fifth of the API's CPU (bench profile).
   */
  private readonly secretKey: KeyObject;

  /**
   * Tokens verified lately, by their whole text, with the actor each names. A client sends the same token
   * on every request, and decoding, HMAC and parsing it again were about 4 % of the API's CPU per command
   * (bench profile). Only a token that passed every check enters, so a flood of forged ones cannot fill it;
   * an entry is taken until the token expires or `verifiedCacheMs` passes, whichever is first, so a key
   * withdrawn from an IdP's JWKS stops its tokens within that time. Oldest entry out first when full.
   */
  private readonly verified = new Map<string, { actor: Actor; until: number }>();

  constructor(private readonly opts: TokenVerifierOptions) {
    this.secretKey = createSecretKey(Buffer.from(opts.secret, 'utf8'));
    if (opts.publicKey) this.rsaKey = createPublicKey(opts.publicKey.replace(/\\n/g, '\n'));
    if (opts.jwksUrl || opts.jwksFile) this.jwks = new JwksKeySet({ url: opts.jwksUrl, file: opts.jwksFile }, opts.jwksCacheMs);
  }

  async verify(token: string): Promise<Actor> {
    const now = Date.now();
    const hit = this.verified.get(token);
    if (hit && now < hit.until) return { ...hit.actor };
    if (hit) this.verified.delete(token);
    const { actor, expiresAt } = await this.check(token);
    const ttl = this.opts.verifiedCacheMs ?? 60_000;
    if (ttl > 0) {
      if (this.verified.size >= (this.opts.verifiedMax ?? 5_000)) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, { actor: { ...actor }, until: Math.min(now + ttl, expiresAt + CLOCK_TOLERANCE_S * 1000) });
    }
    return actor;
  }

  /** Every check, by signature: the actor with the token's expiry (ms since the epoch). */
  private async check(token: string): Promise<{ actor: Actor; expiresAt: number }> {
    let claims: jwt.JwtPayload;
    try {
      const decoded = jwt.decode(token, { complete: true });
      if (!decoded || typeof decoded.payload === 'string') throw new Error('malformed');
      const alg = decoded.header.alg;
      let key: string | KeyObject | undefined;
      if (alg === 'HS256') key = this.secretKey;
      else if (alg === 'RS256') key = this.rsaKey ?? (this.jwks ? await this.jwks.key(decoded.header.kid) : undefined);
      if (!key) throw new Error(`algorithm ${alg} is not accepted`);
      // A hospital IdP's token is bound to that IdP and to us: iss and aud are checked when configured.
      const bound = alg === 'RS256' ? { issuer: this.opts.issuer, audience: this.opts.audience } : {};
      const verified = jwt.verify(token, key, { algorithms: [alg as jwt.Algorithm], clockTolerance: CLOCK_TOLERANCE_S, ...bound });
      if (typeof verified === 'string') throw new Error('unexpected string payload');
      claims = verified;
    } catch (e) {
      const why = e instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is not valid';
      throw new DomainError('UNAUTHENTICATED', why);
    }
    // Every token expires, ours and the IdP's: a leaked token without exp would be valid forever.
    if (typeof claims.exp !== 'number') throw new DomainError('UNAUTHENTICATED', 'the token has no exp claim; tokens must expire');
    return { actor: actorFromClaims(claims), expiresAt: claims.exp * 1000 };
  }
}

/**
 * The same rules for a JWT's claims and an API key's row: a user, a known human role, and the
 * claim the role's scope needs — `dist` for district roles, `inst` for institution roles. A missing
 * claim refuses: read as "no restriction" it would turn a malformed token into city-wide access.
 */
export function actorFromClaims(claims: { sub?: unknown; role?: unknown; inst?: unknown; dist?: unknown }): Actor {
  const role = claims.role as Role;
  if (typeof claims.sub !== 'string' || !claims.sub || !ROLES.includes(role) || role === 'SYSTEM')
    throw new DomainError('UNAUTHENTICATED', 'the token does not name a user and a known role');
  const present = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  if (DISTRICT_ROLES.includes(role)) {
    if (!present(claims.dist)) throw new DomainError('UNAUTHENTICATED', `a ${role} token must carry the district claim (dist) of the district it acts for`);
    return { userId: claims.sub, role, institutionId: null, districtId: claims.dist };
  }
  if (!present(claims.inst)) throw new DomainError('UNAUTHENTICATED', `a ${role} token must carry the institution claim (inst) of the institution it acts for`);
  return { userId: claims.sub, role, institutionId: claims.inst, districtId: present(claims.dist) ? claims.dist : null };
}

/** Development and test tokens (npm run token, the demo seed, tests). Never used to verify. */
export function mintToken(secret: string, claims: TokenClaims, expiresIn: jwt.SignOptions['expiresIn'] = '12h'): string {
  return jwt.sign({ ...claims }, secret, { algorithm: 'HS256', expiresIn });
}
