import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { TokenVerifier } from '@bedlink/auth';
import { Actor, DomainError } from '@bedlink/domain';
import { ApiKeyStore, InstitutionRoles } from '@bedlink/persistence';
import { CookieAuth } from '../auth/cookie-auth';

export const IS_PUBLIC = 'bedlink:public';
/** Routes anyone may call (health, docs, the console's static files). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const QUERY_TOKEN = 'bedlink:query-token';
/** Also accept the token as ?access_token= (only for EventSource, which cannot send headers). */
export const QueryToken = () => SetMetadata(QUERY_TOKEN, true);

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
export const API_KEYS = Symbol('API_KEYS');
/** The rate limiter's storage, also used to slow down guessing credentials from one IP. */
export const AUTH_FAILURES = Symbol('AUTH_FAILURES');
export interface AuthFailureCounter {
  /** Counts one failed authentication from `ip`; true when that IP is over the limit. */
  fail(ip: string): Promise<{ blocked: boolean; retryAfterSec: number }>;
}

/**
 * Resolves the actor on every route not marked @Public: a bearer JWT (people, through our own
 * HS256 tokens or a hospital IdP's RS256), an `X-Api-Key` (machine clients), or, with neither, the
 * console's session cookie (writes with it also need the CSRF token: CookieAuth). Sending a token
 * and a key is refused so a request never runs under an ambiguous identity.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
    @Inject(AUTH_FAILURES) private readonly failures: AuthFailureCounter,
    private readonly cookies: CookieAuth,
    private readonly roles: InstitutionRoles,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request & { actor?: Actor }>();
    try {
      await this.authenticate(req, !!this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN, [ctx.getHandler(), ctx.getClass()]));
      // Whatever issued the credential (our token, an IdP's, a key, a session), its role must belong to
      // its institution's type: checked here, on every request, so a stale or foreign credential that
      // claims, say, CARE_HOME_ADMISSIONS for a hospital reads and writes nothing.
      await this.roles.check(req.actor!);
      return true;
    } catch (e) {
      // Failed attempts count against the client IP, so guessing tokens or keys is rate limited too.
      if (e instanceof DomainError && e.code === 'UNAUTHENTICATED') {
        const f = await this.failures.fail(req.ip ?? 'unknown');
        if (f.blocked) {
          ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(f.retryAfterSec));
          throw new DomainError('RATE_LIMITED', 'too many failed authentications from this address; retry after the time in Retry-After');
        }
      }
      throw e;
    }
  }

  private async authenticate(req: Request & { actor?: Actor }, allowQueryToken: boolean): Promise<boolean> {
    const header = req.headers.authorization;
    const apiKey = req.headers['x-api-key'];
    if (header !== undefined && apiKey !== undefined) throw new DomainError('UNAUTHENTICATED', 'send either a bearer token or an API key, not both');
    if (apiKey !== undefined) {
      if (typeof apiKey !== 'string') throw new DomainError('UNAUTHENTICATED', 'send one X-Api-Key header');
      req.actor = await this.keys.authenticate(apiKey);
      return true;
    }
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    // EventSource cannot send headers: routes marked @QueryToken() accept ?access_token= instead.
    const q = req.query?.access_token;
    if (!m && allowQueryToken && typeof q === 'string' && q) {
      req.actor = await this.verifier.verify(q);
      return true;
    }
    const sid = header === undefined ? this.cookies.sessionId(req) : undefined;
    if (sid) {
      req.actor = await this.cookies.authenticate(req, sid);
      return true;
    }
    if (!m) throw new DomainError('UNAUTHENTICATED', 'sign in, or send a bearer token in the Authorization header or an X-Api-Key');
    req.actor = await this.verifier.verify(m[1]);
    return true;
  }
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<{ actor?: Actor }>().actor;
  if (!actor) throw new DomainError('UNAUTHENTICATED', 'no actor on this request');
  return actor;
});
