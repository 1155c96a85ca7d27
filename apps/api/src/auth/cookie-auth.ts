import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CookieOptions, Request, Response } from 'express';
import { doubleCsrf, DoubleCsrfUtilities } from 'csrf-csrf';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor, DomainError } from '@bedlink/domain';
import { UserSessions } from '@bedlink/persistence';

export const SESSION_COOKIE = 'bl_session';
export const CSRF_COOKIE = 'bl_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Console sessions in cookies. The session cookie is http-only, SameSite=Strict, Secure over
 * https, and names a server-side session (revocable, checked on every request). Writes made
 * with it need three things a foreign page cannot produce: a same-origin request (Origin and
 * Sec-Fetch-Site, where the browser sends them), and a CSRF token (csrf-csrf's double submit,
 * HMAC-bound to this session) echoed in the X-CSRF-Token header.
 */
@Injectable()
export class CookieAuth {
  private readonly csrf: DoubleCsrfUtilities;
  readonly secure: boolean;

  constructor(
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    readonly sessions: UserSessions,
  ) {
    this.secure = cfg.COOKIE_SECURE ?? (cfg.PUBLIC_URL ?? '').startsWith('https:');
    const secret = createHmac('sha256', cfg.JWT_SECRET).update('bedlink-csrf').digest('hex');
    this.csrf = doubleCsrf({
      getSecret: () => secret,
      getSessionIdentifier: (req) => String(req.cookies?.[SESSION_COOKIE] ?? ''),
      cookieName: CSRF_COOKIE,
      cookieOptions: { sameSite: 'strict', path: '/', secure: this.secure, httpOnly: true },
      getCsrfTokenFromRequest: (req) => req.headers[CSRF_HEADER] as string | undefined,
    });
  }

  cookieOptions(expires?: Date): CookieOptions {
    return { httpOnly: true, sameSite: 'strict', secure: this.secure, path: '/', ...(expires ? { expires } : {}) };
  }

  sessionId(req: Request): string | undefined {
    const v = req.cookies?.[SESSION_COOKIE];
    return typeof v === 'string' && v ? v : undefined;
  }

  /** Starts a session: a new id always (a cookie the browser brought is revoked, never adopted), and its CSRF token. */
  async start(
    req: Request,
    res: Response,
    who: { actor: Actor; displayName: string; via: 'PASSWORD' | 'OIDC'; userAccountId: string | null },
  ): Promise<{ csrfToken: string; expiresAt: string }> {
    const old = this.sessionId(req);
    if (old) await this.sessions.revoke(old);
    const { sid, expiresAt } = await this.sessions.create(who, this.cfg.SESSION_TTL_HOURS);
    res.cookie(SESSION_COOKIE, sid, this.cookieOptions(expiresAt));
    // the token is bound to the session it is for: the new one
    req.cookies = { ...(req.cookies ?? {}), [SESSION_COOKIE]: sid };
    return { csrfToken: this.csrf.generateCsrfToken(req, res, { overwrite: true }), expiresAt: expiresAt.toISOString() };
  }

  csrfToken(req: Request, res: Response): string {
    return this.csrf.generateCsrfToken(req, res, { overwrite: true });
  }

  async end(req: Request, res: Response): Promise<void> {
    const sid = this.sessionId(req);
    if (sid) await this.sessions.revoke(sid);
    res.clearCookie(SESSION_COOKIE, this.cookieOptions());
    res.clearCookie(CSRF_COOKIE, this.cookieOptions());
  }

  /** The actor of the session cookie; for a write, only from this origin and with the CSRF token. */
  async authenticate(req: Request & { session?: unknown }, sid: string): Promise<Actor> {
    const info = await this.sessions.authenticate(sid);
    if (!SAFE.has(req.method)) this.checkSameOrigin(req);
    (req as Request & { sessionInfo?: unknown }).sessionInfo = info;
    return info.actor;
  }

  private checkSameOrigin(req: Request): void {
    const refuse = (why: string) => new DomainError('CSRF_FAILED', why);
    if (req.headers['sec-fetch-site'] === 'cross-site') throw refuse('a write from another site is refused');
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const allowed = new Set([new URL(this.cfg.PUBLIC_URL ?? 'http://localhost').origin, `${req.protocol}://${req.headers.host ?? ''}`]);
      if (!allowed.has(origin)) throw refuse(`a write from origin ${origin} is refused`);
    }
    if (!this.csrf.validateRequest(req)) throw refuse('send the CSRF token of this session in the X-CSRF-Token header');
  }
}
