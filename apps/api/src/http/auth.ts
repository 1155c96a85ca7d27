import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { TokenVerifier } from '@bedlink/auth';
import { Actor, DomainError } from '@bedlink/domain';
import { ApiKeyStore } from '@bedlink/persistence';

export const IS_PUBLIC = 'bedlink:public';
/** Routes anyone may call (health, docs, the console's static files). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
export const API_KEYS = Symbol('API_KEYS');

/**
 * Resolves the actor on every route not marked @Public: a bearer JWT (people, through our own
 * HS256 tokens or a hospital IdP's RS256) or an `X-Api-Key` (machine clients). Sending both is
 * refused so a request never runs under an ambiguous identity.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request & { actor?: Actor }>();
    const header = req.headers.authorization;
    const apiKey = req.headers['x-api-key'];
    if (header !== undefined && apiKey !== undefined) throw new DomainError('UNAUTHENTICATED', 'send either a bearer token or an API key, not both');
    if (apiKey !== undefined) {
      if (typeof apiKey !== 'string') throw new DomainError('UNAUTHENTICATED', 'send one X-Api-Key header');
      req.actor = await this.keys.authenticate(apiKey);
      return true;
    }
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) throw new DomainError('UNAUTHENTICATED', 'send a bearer token in the Authorization header or an X-Api-Key');
    req.actor = await this.verifier.verify(m[1]);
    return true;
  }
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<{ actor?: Actor }>().actor;
  if (!actor) throw new DomainError('UNAUTHENTICATED', 'no actor on this request');
  return actor;
});
