import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { TokenVerifier } from '@bedlink/auth';
import { Actor, DomainError } from '@bedlink/domain';

export const IS_PUBLIC = 'bedlink:public';
/** Routes anyone may call (health, docs, the console's static files). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const QUERY_TOKEN = 'bedlink:query-token';
/** Also accept the token as ?access_token= (only for EventSource, which cannot send headers). */
export const QueryToken = () => SetMetadata(QUERY_TOKEN, true);

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

/** Resolves the actor from a bearer token on every route not marked @Public. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<Request & { actor?: Actor }>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const q = req.query?.access_token;
    if (!m && typeof q === 'string' && q && this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN, [ctx.getHandler(), ctx.getClass()])) {
      req.actor = this.verifier.verify(q);
      return true;
    }
    if (!m) throw new DomainError('UNAUTHENTICATED', 'send a bearer token in the Authorization header');
    req.actor = this.verifier.verify(m[1]);
    return true;
  }
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<{ actor?: Actor }>().actor;
  if (!actor) throw new DomainError('UNAUTHENTICATED', 'no actor on this request');
  return actor;
});
