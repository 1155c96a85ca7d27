import { Inject, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { BaseClient, generators, Issuer } from 'openid-client';
import { actorFromClaims } from '@bedlink/auth';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor, assertRoleFitsInstitution, DomainError, InstitutionType } from '@bedlink/domain';
import { PiiCipher, UserSessions } from '@bedlink/persistence';

/** The state of one sign-in round trip, kept sealed (AES-GCM) in a short-lived http-only cookie. */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  at: number;
}
export const OIDC_COOKIE = 'bl_oidc';
const PENDING_MS = 10 * 60_000;

/**
 * OpenID Connect sign-in (authorization code with PKCE, state and nonce) against the identity
 * provider at OIDC_ISSUER, through openid-client. Discovery happens on first use, so the API starts
 * even when the provider is down. The claims named by OIDC_ROLE_CLAIM, OIDC_INSTITUTION_CLAIM
 * (an institution's id or code) and OIDC_DISTRICT_CLAIM become the session's actor, under the same
 * rules as a token's claims (actorFromClaims); an institution outside the named district is refused.
 */
@Injectable()
export class OidcSignIn {
  private client?: Promise<BaseClient>;
  private readonly seal: PiiCipher;

  constructor(
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly sessions: UserSessions,
  ) {
    this.seal = new PiiCipher(cfg.PII_KEY);
  }

  get enabled(): boolean {
    return !!(this.cfg.OIDC_ISSUER && this.cfg.OIDC_CLIENT_ID);
  }

  private redirectUri(): string {
    return `${this.cfg.PUBLIC_URL}/auth/oidc/callback`;
  }

  private getClient(): Promise<BaseClient> {
    if (!this.enabled) throw new DomainError('NOT_FOUND', 'OpenID Connect sign-in is not configured');
    this.client ??= Issuer.discover(this.cfg.OIDC_ISSUER as string)
      .then(
        (issuer) =>
          new issuer.Client({
            client_id: this.cfg.OIDC_CLIENT_ID as string,
            client_secret: this.cfg.OIDC_CLIENT_SECRET,
            token_endpoint_auth_method: this.cfg.OIDC_CLIENT_SECRET ? 'client_secret_basic' : 'none',
            redirect_uris: [this.redirectUri()],
            response_types: ['code'],
          }),
      )
      .catch((e) => {
        this.client = undefined; // try discovery again next time
        throw new DomainError('COMMAND_FAILED', `the identity provider cannot be reached: ${e instanceof Error ? e.message : String(e)}`);
      });
    return this.client;
  }

  /** Where to send the browser, and the sealed state for the cookie. */
  async begin(): Promise<{ url: string; sealed: string }> {
    const client = await this.getClient();
    const p: Pending = { state: generators.state(), nonce: generators.nonce(), verifier: generators.codeVerifier(), at: Date.now() };
    const url = client.authorizationUrl({
      scope: 'openid profile bedlink',
      state: p.state,
      nonce: p.nonce,
      code_challenge: generators.codeChallenge(p.verifier),
      code_challenge_method: 'S256',
      redirect_uri: this.redirectUri(),
    });
    return { url, sealed: this.seal.encrypt(JSON.stringify(p)) };
  }

  /** Completes the round trip: the code for tokens, the claims for an actor. */
  async finish(req: Request, sealed: string | undefined): Promise<{ actor: Actor; displayName: string }> {
    const refuse = (why: string) => new DomainError('UNAUTHENTICATED', why);
    let p: Pending;
    try {
      p = JSON.parse(this.seal.decrypt(String(sealed ?? '')));
    } catch {
      throw refuse('the sign-in was not started here, or its cookie is gone; start again');
    }
    if (Date.now() - p.at > PENDING_MS) throw refuse('the sign-in took too long; start again');
    const client = await this.getClient();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.callback(this.redirectUri(), client.callbackParams(req), { state: p.state, nonce: p.nonce, code_verifier: p.verifier });
      claims = { ...(tokens.access_token ? await client.userinfo(tokens) : {}), ...tokens.claims() };
    } catch (e) {
      throw refuse(`the identity provider's answer was refused: ${e instanceof Error ? e.message : String(e)}`);
    }
    const c = this.cfg;
    const instClaim = claims[c.OIDC_INSTITUTION_CLAIM];
    const distClaim = claims[c.OIDC_DISTRICT_CLAIM];
    let inst: string | null = null;
    let instType: InstitutionType | null = null;
    if (typeof instClaim === 'string' && instClaim) {
      const found = await this.sessions.institutionByIdOrCode(instClaim);
      if (!found) throw refuse(`the institution ${instClaim} named by the identity provider is not registered`);
      if (typeof distClaim === 'string' && distClaim && distClaim !== found.districtId)
        throw refuse(`the institution ${instClaim} is not in district ${distClaim}`);
      inst = found.id;
      instType = found.type;
    }
    const actor = actorFromClaims({ sub: `oidc:${String(claims.sub)}`, role: claims[c.OIDC_ROLE_CLAIM], inst, dist: distClaim ?? null });
    // The identity provider's role must belong to the institution's type (DOMAIN.md roles table).
    if (inst) assertRoleFitsInstitution(actor, instType);
    const name = typeof claims.name === 'string' ? claims.name : typeof claims.preferred_username === 'string' ? claims.preferred_username : String(claims.sub);
    return { actor, displayName: name };
  }
}
